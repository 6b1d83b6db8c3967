"""The client's safety plan (S-4, decision 0014): every save a new version and nothing ever
lost, an unchanged save stores nothing, a refused section stores nothing, every save audited
without its words, and week 1's worksheet starting the plan when the client has none."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from audit.models import Action, AuditEvent
from care.models import SAFETY_PLAN_SECTIONS, SafetyPlan, SafetyPlanImmutableError
from care.services import SafetyPlanError, safety_plan_from_worksheet, safety_plan_save
from core.events import subscribers
from courses.events import WorksheetSubmitted
from courses.models import LessonKind, WorksheetResponse
from courses.services.worksheets import worksheet_submit
from courses.worksheets import FILLABLE, SAFETY_PLAN
from tests.conftest import run_at_once
from tests.factories import EnrollmentFactory, LessonFactory, make_track

NOW = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
CANARY = "CANARY-plan-5c1d my brother Sam, 555-0100"

pytestmark = pytest.mark.django_db


def test_the_plans_sections_are_the_curriculums_contract():
    assert tuple(s.key for s in SAFETY_PLAN_SECTIONS) == FILLABLE[SAFETY_PLAN]
    assert safety_plan_from_worksheet in subscribers(WorksheetSubmitted)


def test_each_save_is_a_new_version_and_the_newest_is_the_plan(client_a):
    first = safety_plan_save(client=client_a, sections={"warning_signs": "Late nights"}, now=NOW)
    later = NOW + timedelta(days=2)
    second = safety_plan_save(
        client=client_a,
        sections={"warning_signs": "Late nights, alone", "reasons": "My kids"},
        now=later,
    )
    assert (first.version, second.version) == (1, 2)
    newest = SafetyPlan.objects.filter(client=client_a).first()
    assert newest == second and newest.created_at == later
    assert newest.sections()["reasons"] == "My kids" and newest.sections()["coping"] == ""
    first.refresh_from_db()
    assert first.warning_signs == "Late nights"  # the earlier version is kept as it was


def test_saving_the_same_text_again_stores_nothing_new(client_a):
    safety_plan_save(client=client_a, sections={"coping": "Walk the dog"}, now=NOW)
    again = safety_plan_save(
        client=client_a, sections={"coping": "  Walk the dog\n", "reasons": ""}, now=NOW
    )
    assert again is None
    assert SafetyPlan.objects.count() == 1
    assert AuditEvent.objects.filter(action=Action.SAFETY_PLAN_SAVED).count() == 1


def test_an_empty_first_plan_is_not_stored(client_a):
    assert safety_plan_save(client=client_a, sections={"coping": "   "}, now=NOW) is None
    assert not SafetyPlan.objects.exists()


def test_a_refused_section_stores_nothing_and_names_every_problem(client_a):
    with pytest.raises(SafetyPlanError) as refused:
        sections = {"warning_signs": "x" * 4001, "coping": "a\x00b", "reasons": 7}
        safety_plan_save(client=client_a, sections={**sections, "people_places": "ok"}, now=NOW)
    assert set(refused.value.errors) == {"warning_signs", "coping", "reasons"}
    assert "the limit is 4,000" in refused.value.errors["warning_signs"]
    assert not SafetyPlan.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.SAFETY_PLAN_SAVED).exists()


def test_only_a_client_has_a_safety_plan(clinician):
    with pytest.raises(SafetyPlanError):
        safety_plan_save(client=clinician, sections={"reasons": "x"}, now=NOW)


def test_a_saved_version_is_never_changed_or_deleted(client_a):
    plan = safety_plan_save(client=client_a, sections={"reasons": "My kids"}, now=NOW)
    plan.reasons = "rewritten"
    with pytest.raises(SafetyPlanImmutableError):
        plan.save()
    with pytest.raises(SafetyPlanImmutableError):
        plan.delete()
    assert SafetyPlan.objects.get().reasons == "My kids"


def test_a_save_is_audited_with_its_version_and_never_its_words(client_a):
    plan = safety_plan_save(client=client_a, sections={"ask_for_help": CANARY}, now=NOW)
    event = AuditEvent.objects.get(action=Action.SAFETY_PLAN_SAVED)
    assert (event.actor, event.subject, event.target_id) == (client_a, client_a, str(plan.pk))
    assert event.metadata == {"version": 1, "source": "page"}
    assert "CANARY" not in str(AuditEvent.objects.values())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_make_two_versions_one_after_the_other(client_a):
    def save():
        reasons = f"thread {threading.get_ident()}"
        safety_plan_save(client=client_a, sections={"reasons": reasons}, now=NOW)

    assert run_at_once(save) == []
    assert sorted(SafetyPlan.objects.values_list("version", flat=True)) == [1, 2]


# --- started from week 1's worksheet ---------------------------------------------------------


@pytest.fixture
def plan_sheet(client_a):
    """Client A's enrollment and a worksheet marked `fills: safety_plan` (like week 1's)."""
    track = make_track(weeks=1, lessons_per_module=3, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=date(2026, 11, 2))
    lesson = LessonFactory(
        module=track.modules.get(),
        kind=LessonKind.WORKSHEET,
        fills=SAFETY_PLAN,
        prompts=[
            {"key": "signs", "label": "Signs", "help": "", "kind": "textarea",
             "fills": "warning_signs", "max_length": 4000},
            {"key": "why", "label": "Why", "help": "", "kind": "textarea",
             "fills": "reasons", "max_length": 4000},
            {"key": "else", "label": "Anything else", "help": "", "kind": "textarea"},
        ],
    )  # fmt: skip
    return enrollment, lesson


def _submit(plan_sheet, client_a, answers, now=NOW):
    enrollment, lesson = plan_sheet
    return worksheet_submit(
        enrollment=enrollment, lesson=lesson, answers=answers, acting_user=client_a, now=now
    )


def test_submitting_the_worksheet_starts_the_plan_from_its_answers(plan_sheet, client_a):
    _submit(plan_sheet, client_a, {"signs": "Tight chest", "why": "My kids", "else": "private"})
    plan = SafetyPlan.objects.get(client=client_a)
    assert (plan.version, plan.source, plan.created_at) == (1, "worksheet", NOW)
    assert plan.sections() == {
        "warning_signs": "Tight chest",
        "coping": "",
        "people_places": "",
        "ask_for_help": "",
        "professionals": "",
        "safe_space": "",
        "reasons": "My kids",
    }
    event = AuditEvent.objects.get(action=Action.SAFETY_PLAN_SAVED)
    assert event.metadata == {"version": 1, "source": "worksheet"}


def test_the_worksheet_never_overwrites_a_plan_already_written(plan_sheet, client_a):
    safety_plan_save(client=client_a, sections={"coping": "Call Sam"}, now=NOW)
    _submit(plan_sheet, client_a, {"signs": "Tight chest"})
    _submit(plan_sheet, client_a, {"signs": "Tight chest, late"}, now=NOW + timedelta(days=1))
    assert WorksheetResponse.objects.filter(status="submitted").count() == 2
    plan = SafetyPlan.objects.get(client=client_a)
    assert (plan.version, plan.coping, plan.warning_signs) == (1, "Call Sam", "")


def test_a_second_submission_of_the_worksheet_leaves_the_plan_it_started(plan_sheet, client_a):
    _submit(plan_sheet, client_a, {"signs": "Tight chest"})
    _submit(plan_sheet, client_a, {"signs": "Something else"}, now=NOW + timedelta(days=1))
    assert SafetyPlan.objects.get(client=client_a).warning_signs == "Tight chest"


def test_other_worksheets_and_empty_answers_start_no_plan(plan_sheet, client_a):
    enrollment, _ = plan_sheet
    other = (
        enrollment.track.modules.get()
        .lessons.exclude(fills=SAFETY_PLAN)
        .get(kind=LessonKind.WORKSHEET)
    )
    worksheet_submit(
        enrollment=enrollment, lesson=other, answers={"one-word": "x"}, acting_user=client_a,
        now=NOW,
    )  # fmt: skip
    _submit(plan_sheet, client_a, {"else": "only this"})
    assert not SafetyPlan.objects.exists()
    assert WorksheetResponse.objects.filter(status="submitted").count() == 2


def test_an_answer_the_plan_cannot_hold_keeps_the_worksheet_and_skips_the_plan(
    plan_sheet, client_a
):
    enrollment, lesson = plan_sheet
    # Content loaded before the plan's limits: the prompt carries none.
    lesson.prompts = [{k: v for k, v in p.items() if k != "max_length"} for p in lesson.prompts]
    lesson.save(update_fields=["prompts"])
    _submit(plan_sheet, client_a, {"signs": "x" * 5000})
    assert WorksheetResponse.objects.filter(status="submitted").count() == 1
    assert not SafetyPlan.objects.exists()


def test_a_worksheet_answer_longer_than_a_section_is_refused_with_the_same_limit(
    plan_sheet, client_a
):
    with pytest.raises(ValidationError) as refused:
        _submit(plan_sheet, client_a, {"signs": "x" * 4001})
    assert "the limit is 4,000" in str(refused.value)
    assert not WorksheetResponse.objects.exists() and not SafetyPlan.objects.exists()
