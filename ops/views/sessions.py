"""A cohort's sessions in the administrators' console (/ops/cohorts/<id>/sessions/): its
weekly group series and their upcoming sessions; a series created or changed (only sessions
still to come follow a change), one session cancelled or moved. Administrators only
(Capability.ADMIN_CONSOLE): anyone else gets a denied 404. Every write asks for a fresh sign-in
and is audited by meetings.services; a refused form comes back with its messages and nothing
stored (status 400)."""

from zoneinfo import ZoneInfo

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import gate
from courses.models import Cohort
from meetings.forms import MoveForm, SeriesForm, series_initial
from meetings.models import Occurrence, SeriesKind, SessionSeries
from meetings.selectors import cohort_series_initial, cohort_sessions
from meetings.services import (
    SessionError,
    occurrence_cancel,
    occurrence_move,
    series_create,
    series_update,
)

from .cohorts import WEEKDAY_NAMES, _cohort


class SignedInRequest(HttpRequest):
    user: User


def _series(cohort: Cohort, series_id: int, *, user, for_write: bool) -> SessionSeries:
    return gate(
        SessionSeries.objects.filter(cohort=cohort, kind=SeriesKind.GROUP).select_related(
            "clinician"
        ),
        user=user,
        pk=series_id,
        target_type="meetings.sessionseries",
        for_write=for_write,
    )


def _occurrence(cohort: Cohort, occurrence_id: int, *, user, for_write: bool) -> Occurrence:
    return gate(
        Occurrence.objects.filter(series__cohort=cohort).select_related("series"),
        user=user,
        pk=occurrence_id,
        target_type="meetings.occurrence",
        for_write=for_write,
    )


def _clinicians(cohort: Cohort):
    return cohort.clinicians.filter(is_active=True).order_by("preferred_name", "email")


def _to_sessions(cohort: Cohort) -> HttpResponse:
    return redirect(reverse("ops:cohort_sessions", args=[cohort.pk]))


@capability_required(Capability.ADMIN_CONSOLE)
def sessions(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """The cohort's series and the sessions not yet over, in the cohort's own zone."""
    cohort = _cohort(request, cohort_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    found = cohort_sessions(cohort=cohort, now=timezone.now())
    return render(
        request,
        "ops/cohorts/sessions.html",
        {
            "cohort": cohort,
            "series": [(s, WEEKDAY_NAMES[str(s.weekday)]) for s in found.series],
            "upcoming": found.upcoming,
        },
    )


def _series_page(request, cohort, form, *, series=None, status=200) -> HttpResponse:
    return render(
        request,
        "ops/cohorts/series_form.html",
        {"cohort": cohort, "form": form, "series": series},
        status=status,
    )


def _create(request: SignedInRequest, cohort: Cohort) -> HttpResponse:
    form = SeriesForm(request.POST, clinicians=_clinicians(cohort))
    if form.is_valid():
        try:
            series_create(
                cohort=cohort,
                fields=form.fields_to_store(),
                acting_user=request.user,
                now=timezone.now(),
            )
        except SessionError as error:
            form.refused(error)
        else:
            messages.success(request, "Weekly session created.")
            return _to_sessions(cohort)
    return _series_page(request, cohort, form, status=400)


_create_after_fresh_sign_in = reauthentication_required(_create)


@capability_required(Capability.ADMIN_CONSOLE)
def series_new(request: SignedInRequest, cohort_id: int) -> HttpResponse:
    """GET: the form, filled from the cohort's weekly meeting and the track's weeks. POST: the
    series and its sessions, after a fresh sign-in."""
    cohort = _cohort(request, cohort_id, for_write=request.method == "POST")
    if request.method == "POST":
        return _create_after_fresh_sign_in(request, cohort)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = SeriesForm(initial=cohort_series_initial(cohort=cohort), clinicians=_clinicians(cohort))
    return _series_page(request, cohort, form)


def _update(request: SignedInRequest, cohort: Cohort, series: SessionSeries) -> HttpResponse:
    form = SeriesForm(request.POST, clinicians=_clinicians(cohort))
    if form.is_valid():
        try:
            series_update(
                series=series,
                fields=form.fields_to_store(),
                acting_user=request.user,
                now=timezone.now(),
            )
        except SessionError as error:
            form.refused(error)
        else:
            messages.success(request, "Saved. Sessions still to come follow the change.")
            return _to_sessions(cohort)
    return _series_page(request, cohort, form, series=series, status=400)


_update_after_fresh_sign_in = reauthentication_required(_update)


@capability_required(Capability.ADMIN_CONSOLE)
def series_edit(request: SignedInRequest, cohort_id: int, series_id: int) -> HttpResponse:
    """GET: the series' form. POST: the change, after a fresh sign-in."""
    for_write = request.method == "POST"
    cohort = _cohort(request, cohort_id, for_write=for_write)
    series = _series(cohort, series_id, user=request.user, for_write=for_write)
    if request.method == "POST":
        return _update_after_fresh_sign_in(request, cohort, series)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = SeriesForm(initial=series_initial(series), clinicians=_clinicians(cohort))
    return _series_page(request, cohort, form, series=series)


def _cancel(request: SignedInRequest, cohort: Cohort, occurrence: Occurrence) -> HttpResponse:
    try:
        occurrence_cancel(occurrence=occurrence, acting_user=request.user, now=timezone.now())
    except SessionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The session is cancelled.")
    return _to_sessions(cohort)


_cancel_after_fresh_sign_in = reauthentication_required(_cancel)


@capability_required(Capability.ADMIN_CONSOLE)
def occurrence_cancel_view(
    request: SignedInRequest, cohort_id: int, occurrence_id: int
) -> HttpResponse:
    """POST: cancel one session still to come, after a fresh sign-in."""
    cohort = _cohort(request, cohort_id, for_write=True)
    occurrence = _occurrence(cohort, occurrence_id, user=request.user, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _cancel_after_fresh_sign_in(request, cohort, occurrence)


def _move_page(request, cohort, occurrence, form, *, status=200) -> HttpResponse:
    return render(
        request,
        "ops/cohorts/occurrence_move.html",
        {"cohort": cohort, "occurrence": occurrence, "form": form},
        status=status,
    )


def _move(request: SignedInRequest, cohort: Cohort, occurrence: Occurrence) -> HttpResponse:
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            occurrence_move(
                occurrence=occurrence,
                day=form.cleaned_data["day"],
                start_time=form.cleaned_data["start_time"],
                acting_user=request.user,
                now=timezone.now(),
            )
        except SessionError as error:
            form.refused(error)
        else:
            messages.success(request, "The session is moved.")
            return _to_sessions(cohort)
    return _move_page(request, cohort, occurrence, form, status=400)


_move_after_fresh_sign_in = reauthentication_required(_move)


@capability_required(Capability.ADMIN_CONSOLE)
def occurrence_move_view(
    request: SignedInRequest, cohort_id: int, occurrence_id: int
) -> HttpResponse:
    """GET: the form for a new day and time (the cohort's zone). POST: the move, after a fresh
    sign-in."""
    for_write = request.method == "POST"
    cohort = _cohort(request, cohort_id, for_write=for_write)
    occurrence = _occurrence(cohort, occurrence_id, user=request.user, for_write=for_write)
    if request.method == "POST":
        return _move_after_fresh_sign_in(request, cohort, occurrence)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    local = timezone.localtime(occurrence.starts_at, timezone=ZoneInfo(cohort.timezone))
    form = MoveForm(initial={"day": local.date(), "start_time": local.time()})
    return _move_page(request, cohort, occurrence, form)
