"""A-2 in the Django admin: administrators run programs, cohorts and accounts, and see no clinical
content: no worksheets, replies, reviews, lesson progress or SUDS, no progress notes, risk
flags or safety plans, no questionnaire answers, and of a pacing action only what was done and
when, never the clinician's reason or note."""

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from care.models import ProgressNote, RiskFlag, SafetyPlan
from courses.models import (
    LessonProgress,
    PacingAction,
    PacingKind,
    PacingReason,
    WorksheetFeedback,
    WorksheetResponse,
    WorksheetReview,
)
from courses.services.pacing import pacing_hold
from measures.models import Administration
from tests.factories import EnrollmentFactory, make_track

CLINICAL = (
    ProgressNote,
    RiskFlag,
    SafetyPlan,
    WorksheetResponse,
    WorksheetFeedback,
    WorksheetReview,
    LessonProgress,
    Administration,
)
NOTE = "CANARY-admin-3b7e talked about the funeral"


@pytest.mark.parametrize("model", CLINICAL, ids=lambda m: m.__name__)
def test_clinical_records_have_no_page_in_the_admin(model):
    assert model not in admin.site._registry
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
    with pytest.raises(NoReverseMatch):
        reverse(name)


@pytest.mark.django_db
def test_a_pacing_action_shows_what_was_done_but_never_the_reason_or_note(
    client, signed_in, superuser, client_a, clinician
):
    track = make_track(weeks=6, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track, start_date=timezone.now().date())
    action = pacing_hold(
        enrollment=enrollment,
        module=track.modules.get(week=5),
        reason_code=PacingReason.STABILIZATION,
        note=NOTE,
        author=clinician,
        now=timezone.now(),
    )
    assert action.kind == PacingKind.HOLD
    signed_in(superuser)
    listing = client.get(reverse("admin:courses_pacingaction_changelist"))
    detail = client.get(reverse("admin:courses_pacingaction_change", args=[action.pk]))
    for response in (listing, detail):
        assert response.status_code == 200
        page = response.content.decode()
        assert "Hold a week" in page
        assert "CANARY" not in page
        assert PacingReason.STABILIZATION.label not in page
    assert PacingAction.objects.get().note == NOTE
