"""The client's DSAP (decision 0016): every save a new version and nothing ever lost, an
unchanged save stores nothing, a refused section stores nothing, every save audited without its
words, and week 11's worksheet (`fills: dsap`) starting the plan when the client has none."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from audit.models import AuditEvent
from core.events import publish, subscribers
from courses.events import WorksheetSubmitted
from daily.models import Dsap, DsapImmutableError
from daily.selectors.plan import current_dsap
from daily.services.plan import DSAP_FILLS, DSAP_KEYS, DsapError, dsap_from_worksheet, dsap_save
from tests.conftest import run_at_once

NOW = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
CANARY = "CANARY-dsap-7a1 no browsing after 11pm"

pytestmark = pytest.mark.django_db


def test_each_save_is_a_new_version_and_the_newest_is_the_plan(client_a):
    first = dsap_save(client=client_a, sections={"bottom_lines": "No apps"}, now=NOW)
    later = NOW + timedelta(days=1)
    second = dsap_save(
        client=client_a,
        sections={"bottom_lines": "No apps", "anchors": "Walk\n\n  Call Sam  \n"},
        now=later,
    )
    assert first is not None and second is not None
    assert (first.version, second.version) == (1, 2)
    assert (second.created_at, second.source) == (later, Dsap.Source.PAGE)
    assert second.anchors == "Walk\nCall Sam"  # one per line, blank lines dropped
    assert current_dsap(client=client_a) == second
    assert Dsap.objects.get(pk=first.pk).anchors == ""


def test_saving_the_same_text_again_stores_nothing_new(client_a):
    dsap_save(client=client_a, sections={"anchors": "Walk\nRead"}, now=NOW)
    again = dsap_save(client=client_a, sections={"anchors": " Walk\n\nRead \n"}, now=NOW)
    assert again is None
    assert Dsap.objects.count() == 1


def test_an_empty_first_plan_is_not_stored(client_a):
    assert dsap_save(client=client_a, sections={"anchors": "  \n "}, now=NOW) is None
    assert not Dsap.objects.exists()


def test_a_refused_section_stores_nothing_and_names_every_problem(client_a):
    with pytest.raises(DsapError) as caught:
        dsap_save(
            client=client_a,
            sections={
                "bottom_lines": "x" * 4001,
                "warning_signs": "tired\x00",
                "anchors": "y" * 301,
            },
            now=NOW,
        )
    assert set(caught.value.errors) == {"bottom_lines", "warning_signs", "anchors"}
    assert "4,001" in caught.value.errors["bottom_lines"]
    assert not Dsap.objects.exists()
    assert not AuditEvent.objects.filter(action="daily.dsap_saved").exists()


def test_only_a_client_has_a_daily_plan(clinician):
    with pytest.raises(DsapError):
        dsap_save(client=clinician, sections={"anchors": "Walk"}, now=NOW)
    assert not Dsap.objects.exists()


def test_a_saved_version_is_never_changed_or_deleted(client_a):
    plan = dsap_save(client=client_a, sections={"anchors": "Walk"}, now=NOW)
    assert plan is not None
    plan.anchors = "Run"
    with pytest.raises(DsapImmutableError):
        plan.save()
    with pytest.raises(DsapImmutableError):
        plan.delete()


def test_a_save_is_audited_with_its_version_and_never_its_words(client_a):
    dsap_save(client=client_a, sections={"bottom_lines": CANARY}, now=NOW)
    event = AuditEvent.objects.get(action="daily.dsap_saved")
    assert event.metadata == {"version": 1, "source": "page"}
    assert "CANARY" not in str(AuditEvent.objects.values_list())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_make_two_versions_one_after_the_other(client_a):
    def save():
        dsap_save(client=client_a, sections={"anchors": f"t{threading.get_ident()}"}, now=NOW)

    assert run_at_once(save) == []
    assert sorted(Dsap.objects.values_list("version", flat=True)) == [1, 2]


# --- started from week 11's worksheet --------------------------------------------------------


def _worksheet(client, sections, *, fills=DSAP_FILLS, at=NOW):
    publish(
        WorksheetSubmitted(
            response_id=1, client_id=client.pk, lesson_id=1, version=1, at=at, fills=fills,
            sections=sections,
        )
    )  # fmt: skip


def test_week_elevens_worksheet_is_wired_to_start_the_plan():
    assert dsap_from_worksheet in subscribers(WorksheetSubmitted)
    assert DSAP_FILLS == "dsap"
    assert set(DSAP_KEYS) == {"bottom_lines", "warning_signs", "anchors"}


def test_the_worksheet_starts_the_plan_from_its_answers(client_a):
    _worksheet(client_a, {"bottom_lines": "No apps", "anchors": "Walk\nCall Sam"})
    plan = Dsap.objects.get(client=client_a)
    assert (plan.version, plan.source, plan.created_at) == (1, "worksheet", NOW)
    assert plan.anchor_list() == ["Walk", "Call Sam"]


def test_the_worksheet_never_overwrites_a_plan_already_written(client_a):
    dsap_save(client=client_a, sections={"anchors": "Read"}, now=NOW)
    _worksheet(client_a, {"anchors": "Walk"}, at=NOW + timedelta(days=1))
    plan = Dsap.objects.get(client=client_a)
    assert (plan.version, plan.anchors) == (1, "Read")


def test_other_worksheets_and_empty_answers_start_no_plan(client_a):
    _worksheet(client_a, {"anchors": "Walk"}, fills="safety_plan")
    _worksheet(client_a, {"anchors": "Walk"}, fills="")
    _worksheet(client_a, {"anchors": " "})
    assert not Dsap.objects.exists()


def test_an_answer_the_plan_cannot_hold_skips_the_plan_without_an_error(client_a):
    _worksheet(client_a, {"warning_signs": "x" * 5000})
    assert not Dsap.objects.exists()
