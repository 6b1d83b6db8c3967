"""Every billing story, told by the project's own real-shape Stripe events in both API versions,
through the signed webhook and the worker, ends where it should (tests/payments/stripe_events)."""

import pytest

from .stripe_events import EVENTS
from .stripe_events.scenarios import cases, check, run


@pytest.mark.parametrize(
    ("scenario", "version"),
    [pytest.param(s, v, id=f"{v}-{s.id}") for s, v in cases(EVENTS)],
)
def test_each_billing_story_ends_where_it_should(client, client_a, scenario, version):
    ids = run(client, client_a, scenario, EVENTS, version)
    check(scenario, EVENTS, version, ids)
