"""Conformance, optional: the shared Stripe event set (../shared/fixtures/stripe-events, built
from Stripe's published fixtures, kept beside the repository rather than in it) told through the
same webhook and worker as the project's own events, ending in the same outcomes.

Without that folder these tests skip with the reason, except under CI=true, where a missing
folder fails (tests/conftest.py skip_unless_available)."""

import json
from pathlib import Path

import pytest

from tests.conftest import skip_unless_available

from .stripe_events import VERSIONS, EventSource
from .stripe_events.scenarios import cases, check, run

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "stripe-events"
MISSING = f"conformance check: no shared Stripe events at {SHARED}"
SOURCE = EventSource(SHARED)
CASES = (
    [pytest.param(s, v, id=f"{v}-{s.id}") for s, v in cases(SOURCE)]
    if SHARED.is_dir()
    else [pytest.param(None, None, id="shared-folder-missing")]
)


def _require_shared():
    if not SHARED.is_dir():
        skip_unless_available(MISSING)


@pytest.mark.parametrize(("scenario", "version"), CASES)
def test_each_billing_story_told_by_the_shared_events_ends_the_same(
    client, client_a, scenario, version
):
    _require_shared()
    ids = run(client, client_a, scenario, SOURCE, version)
    check(scenario, SOURCE, version, ids)


def test_every_shared_event_is_told_in_some_story():
    """A file added to the shared set fails here until a story tells it, so none is silently
    left untested; so does a manifest entry without its file."""
    _require_shared()
    told = {(version, step) for scenario, version in cases(SOURCE) for step in scenario.steps}
    present = {(version, name) for version in VERSIONS for name in SOURCE.names(version)}
    assert present, f"no events under {SHARED}"
    assert present <= told, sorted(present - told)
    manifest = SHARED / "manifest.json"
    if manifest.is_file():
        listed = {
            tuple(entry["file"].removesuffix(".json").split("/", 1))
            for entry in json.loads(manifest.read_text())
        }
        assert listed == present
