"""Administrators manage programs, cohorts and enrollments here. Clinical content (progress,
worksheets) is not shown in the admin; the release ledger and pacing log are read-only."""

from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.utils import timezone

from accounts.admin_site import AdminRefusal, RefusalsAsMessages, UserLookupWidget
from accounts.models import User
from accounts.roles import Capability, Role, is_client_role, role_can
from accounts.selectors import users_with_roles

from .models import (
    LIVE_STATUSES,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    Lesson,
    Module,
    ModuleRelease,
    PacingAction,
    PacingKind,
    PacingReason,
    Program,
    Track,
)
from .services.enrollment import (
    ALLOWED_TRANSITIONS,
    EnrollmentError,
    enrollment_check,
    enrollment_create,
    enrollment_set_status,
)
from .services.pacing import PacingError, pacing_pause, pacing_resume
from .services.releases import enrollment_reschedule_and_release

CASELOAD_ROLES = tuple(role for role in Role.values if role_can(role, Capability.CASELOAD))
ENROLLABLE_ROLES = tuple(role for role in Role.values if is_client_role(role))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdmin):
    """Content is loaded from curriculum/ with `manage.py load_curriculum`, never edited here."""

    list_display = ("title", "slug", "updated_at")


@admin.register(Track)
class TrackAdmin(ReadOnlyAdmin):
    list_display = ("title", "slug", "audience", "weeks", "release_weekday", "release_time")


class LessonInline(admin.TabularInline):
    model = Lesson
    fields = ("order", "title", "kind", "minutes", "required", "suds", "retired_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Module)
class ModuleAdmin(ReadOnlyAdmin):
    list_display = ("title", "track", "week", "domain", "trauma_intense", "status", "retired_at")
    list_filter = ("track", "domain", "trauma_intense", "status")
    list_select_related = ("track",)
    inlines = [LessonInline]

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff


NOT_A_CLINICIAN = "Choose clinicians or clinical supervisors only."


def cohort_local_today(cohort: Cohort, now: datetime) -> date:
    return now.astimezone(ZoneInfo(cohort.timezone)).date()


class CohortForm(forms.ModelForm):
    """Clinicians are picked from active clinicians and supervisors (and whoever already leads
    the cohort); once people are enrolled, a new start date must not lie in the past."""

    class Meta:
        model = Cohort
        fields = (
            "track",
            "name",
            "start_date",
            "capacity",
            "timezone",
            "meeting_weekday",
            "meeting_time",
            "clinicians",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "clinicians" in self.fields:
            field = cast(forms.ModelMultipleChoiceField, self.fields["clinicians"])
            leading = self.instance.clinicians.all() if self.instance.pk else User.objects.none()
            field.queryset = (users_with_roles(*CASELOAD_ROLES) | leading).distinct()
            field.error_messages["invalid_choice"] = NOT_A_CLINICIAN
            field.error_messages["invalid_pk_value"] = NOT_A_CLINICIAN

    def clean_start_date(self):
        start = self.cleaned_data["start_date"]
        cohort = self.instance
        if cohort.pk and start != cohort.start_date and cohort.enrollments.exists():
            today = cohort_local_today(cohort, timezone.now())
            if start < today:
                raise forms.ValidationError(
                    f"Choose a day from today on ({today.day} {today:%B %Y}): people are enrolled."
                )
        return start


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    """Once people are enrolled the track is fixed, and the start date is fixed once the cohort
    has begun; moving an upcoming cohort moves its clients' weeks with it."""

    list_display = ("name", "track", "start_date", "capacity", "timezone")
    list_filter = ("track",)
    list_select_related = ("track",)
    filter_horizontal = ("clinicians",)
    form = CohortForm

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None or not obj.enrollments.exists():
            return ()
        # What is stored: after a refused post `obj` holds the refused values.
        stored = Cohort.objects.get(pk=obj.pk)
        if stored.start_date <= cohort_local_today(stored, timezone.now()):
            return ("track", "start_date")
        return ("track",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "start_date" in form.changed_data:
            now = timezone.now()
            for enrollment in obj.enrollments.filter(status__in=LIVE_STATUSES):
                enrollment_reschedule_and_release(enrollment=enrollment, now=now)


class EnrollmentAddForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ("client", "track", "cohort", "start_date", "status")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            enrollment_check(
                client=data["client"],
                track=data["track"],
                cohort=data.get("cohort"),
                start_date=data.get("start_date"),
                status=data["status"],
            )
        except EnrollmentError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


# A pause and a resume are pacing actions: they keep `paused_since` and `paused_days`, so the
# weeks move back by the length of the pause. Every other change is a plain status change.
PACING_FOR_CHANGE: dict[tuple[str, str], str] = {
    (EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED): PacingKind.PAUSE,
    (EnrollmentStatus.PAUSED, EnrollmentStatus.ACTIVE): PacingKind.RESUME,
}
FOR_PACING_ONLY = "For a pause or a resume only: kept in the pacing log, with you as its author."


class EnrollmentChangeForm(forms.ModelForm):
    """The status, moved along the allowed-transition map; a pause or resume needs a reason."""

    reason_code = forms.ChoiceField(
        label="Reason",
        choices=[("", "---------"), *PacingReason.choices],
        required=False,
        help_text=FOR_PACING_ONLY,
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=FOR_PACING_ONLY,
    )

    class Meta:
        model = Enrollment
        fields = ("status",)
        help_texts = {
            "status": "A pause moves the weeks still to come back by its length when the "
            "program resumes; a completed, withdrawn or cancelled enrollment is final."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = str(self.instance.status)
        reachable = {current, *ALLOWED_TRANSITIONS.get(current, ())}
        field = cast(forms.ChoiceField, self.fields["status"])
        field.choices = [(v, label) for v, label in EnrollmentStatus.choices if v in reachable]
        field.error_messages["invalid_choice"] = (
            f"An enrollment cannot go from {current} to %(value)s."
        )

    def clean_status(self):
        new = self.cleaned_data["status"]
        old = str(self.initial.get("status"))
        if new != old and new not in ALLOWED_TRANSITIONS.get(old, frozenset()):
            raise forms.ValidationError(f"An enrollment cannot go from {old} to {new}.")
        return new

    def pacing_kind(self) -> str | None:
        """PAUSE or RESUME when the status change is one, else None."""
        change = (str(self.initial.get("status")), str(self.cleaned_data.get("status")))
        return PACING_FOR_CHANGE.get(change)

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if "status" not in data:
            return data
        if self.pacing_kind():
            if not data.get("reason_code"):
                self.add_error("reason_code", "Choose a reason: it goes in the pacing log.")
        else:
            for name in ("reason_code", "note"):
                if data.get(name):
                    self.add_error(name, "Kept only for a pause or a resume; leave it empty.")
        return data


@admin.register(Enrollment)
class EnrollmentAdmin(RefusalsAsMessages, admin.ModelAdmin):
    """Enrollments are created and moved only through the services: the allowed-transition map,
    and the pacing log for a pause or a resume. The fields those services keep are read-only."""

    list_display = ("id", "client", "track", "cohort", "status", "start_date")
    list_filter = ("status", "track")
    list_select_related = ("client", "track", "cohort")
    raw_id_fields = ("client",)
    search_fields = ("client__email",)

    CHANGE_FIELDS = (
        "client",
        "track",
        "cohort",
        "start_date",
        "status",
        "reason_code",
        "note",
        "paused_days",
        "paused_since",
        "next_release_at",
        "created_at",
    )
    SERVICE_FIELDS = (
        "client",
        "track",
        "cohort",
        "start_date",
        "paused_days",
        "paused_since",
        "next_release_at",
        "created_at",
    )

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EnrollmentChangeForm if obj else EnrollmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return self.CHANGE_FIELDS if obj else EnrollmentAddForm.Meta.fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "client":
            kwargs["queryset"] = users_with_roles(*ENROLLABLE_ROLES)
            kwargs["error_messages"] = {"invalid_choice": "Choose a client or a partner."}
            kwargs["widget"] = UserLookupWidget(
                db_field.remote_field, self.admin_site, roles=ENROLLABLE_ROLES
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.SERVICE_FIELDS if obj else ()

    def save_model(self, request, obj, form, change):
        # The forms ran the same checks; a race between check and save still ends in the
        # service's refusal, shown as a message with the whole save rolled back.
        now = timezone.now()
        try:
            if change:
                if "status" in form.changed_data:
                    self._move(request, obj, form, now=now)
                return
            created = enrollment_create(
                client=obj.client,
                track=obj.track,
                cohort=obj.cohort,
                start_date=obj.start_date,
                status=obj.status,
                acting_user=request.user,
                now=now,
            )
        except (EnrollmentError, PacingError) as exc:
            raise AdminRefusal(str(exc)) from exc
        obj.pk = created.pk
        obj._state.adding = False

    def _move(self, request, obj, form, *, now) -> None:
        new_status = obj.status
        obj.status = form.initial["status"]
        kind = form.pacing_kind()
        if kind:
            verb = pacing_pause if kind == PacingKind.PAUSE else pacing_resume
            verb(
                enrollment=obj,
                reason_code=form.cleaned_data["reason_code"],
                note=form.cleaned_data["note"],
                author=request.user,
                now=now,
            )
        else:
            enrollment_set_status(
                enrollment=obj, status=new_status, acting_user=request.user, now=now
            )


@admin.register(ModuleRelease)
class ModuleReleaseAdmin(ReadOnlyAdmin):
    """The release ledger: read-only."""

    list_display = ("id", "enrollment", "module", "released_at", "reason")
    list_filter = ("reason",)
    list_select_related = ("enrollment", "module")


@admin.register(PacingAction)
class PacingActionAdmin(ReadOnlyAdmin):
    """What was done to a schedule and when, for operations. The reason and the note are the
    care team's clinical judgement: never shown here (docs/invariants.md A-2)."""

    list_display = ("id", "enrollment", "kind", "module", "days", "author", "created_at")
    list_filter = ("kind",)
    list_select_related = ("enrollment", "author", "module")
    fields = ("enrollment", "kind", "module", "days", "author", "created_at", "lifted_at")
