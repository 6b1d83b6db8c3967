"""Administrators manage programs, cohorts and enrollments here. Clinical content (progress,
worksheets) is not shown in the admin; the release ledger and pacing log are read-only."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from .models import Cohort, Enrollment, Lesson, Module, ModuleRelease, PacingAction, Program, Track
from .services.enrollment import (
    ALLOWED_TRANSITIONS,
    EnrollmentError,
    enrollment_check,
    enrollment_create,
    enrollment_set_status,
)


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


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ("name", "track", "start_date", "capacity", "timezone")
    list_filter = ("track",)
    list_select_related = ("track",)
    filter_horizontal = ("clinicians",)

    def has_delete_permission(self, request, obj=None):
        return False


class EnrollmentAddForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ("client", "track", "cohort", "start_date", "status")

    def clean(self):
        data = super().clean()
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


class EnrollmentChangeForm(forms.ModelForm):
    class Meta:
        model = Enrollment
        fields = ("status",)

    def clean_status(self):
        new = self.cleaned_data["status"]
        old = self.initial.get("status")
        if new != old and new not in ALLOWED_TRANSITIONS.get(old, frozenset()):
            raise forms.ValidationError(f"An enrollment cannot go from {old} to {new}.")
        return new


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Enrollments are created and moved only through the services (allowed transitions)."""

    list_display = ("id", "client", "track", "cohort", "status", "start_date")
    list_filter = ("status", "track")
    list_select_related = ("client", "track", "cohort")
    raw_id_fields = ("client",)
    search_fields = ("client__email",)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = EnrollmentChangeForm if obj else EnrollmentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("client", "track", "cohort", "start_date", "paused_days") if obj else ()

    def save_model(self, request, obj, form, change):
        # The forms ran the same checks; a race between check and save still ends in the
        # service's refusal, shown as a message rather than an error page.
        try:
            if change:
                if "status" in form.changed_data:
                    new_status = obj.status
                    obj.status = form.initial["status"]
                    enrollment_set_status(
                        enrollment=obj,
                        status=new_status,
                        acting_user=request.user,
                        now=timezone.now(),
                    )
                return
            created = enrollment_create(
                client=obj.client,
                track=obj.track,
                cohort=obj.cohort,
                start_date=obj.start_date,
                status=obj.status,
                acting_user=request.user,
                now=timezone.now(),
            )
            obj.pk = created.pk
            obj._state.adding = False
        except EnrollmentError as exc:
            messages.error(request, str(exc))


@admin.register(ModuleRelease)
class ModuleReleaseAdmin(ReadOnlyAdmin):
    """The release ledger: read-only."""

    list_display = ("id", "enrollment", "module", "released_at", "reason")
    list_filter = ("reason",)
    list_select_related = ("enrollment", "module")


@admin.register(PacingAction)
class PacingActionAdmin(ReadOnlyAdmin):
    list_display = ("id", "enrollment", "kind", "reason_code", "author", "created_at")
    list_filter = ("kind", "reason_code")
    list_select_related = ("enrollment", "author")
