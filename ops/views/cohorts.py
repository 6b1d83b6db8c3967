"""Cohorts in the administrators' console (/ops/cohorts/): the list, create, edit, and the
roster. Administrators only (Capability.ADMIN_CONSOLE): anyone else gets 404 with a denied
audit row. No clinical detail here, ever: the roster shows who, which week and the status."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import gate
from courses.models import Cohort
from courses.services.enrollment import cohort_seats_taken
from ops.forms import WEEKDAYS, CohortForm, cohort_initial
from ops.selectors.cohorts import cohort_roster, cohorts_for_console
from ops.services.cohorts import CohortError, cohort_create, cohort_update

WEEKDAY_NAMES = dict(WEEKDAYS)


def _cohort(request, cohort_id: int, *, for_write: bool = False) -> Cohort:
    return gate(
        Cohort.objects.select_related("track"),
        user=request.user,
        pk=cohort_id,
        target_type="cohort",
        for_write=for_write,
    )


@capability_required(Capability.ADMIN_CONSOLE)
def cohort_list(request):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    rows = [
        (cohort, WEEKDAY_NAMES.get(str(cohort.meeting_weekday), ""))
        for cohort in cohorts_for_console()
    ]
    return render(request, "ops/cohorts/list.html", {"rows": rows})


def _form_page(request, form: CohortForm, *, cohort: Cohort | None, status: int = 200):
    return render(request, "ops/cohorts/form.html", {"form": form, "cohort": cohort}, status=status)


@capability_required(Capability.ADMIN_CONSOLE)
def cohort_new(request):
    if request.method == "GET":
        return _form_page(request, CohortForm(), cohort=None)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = CohortForm(request.POST)
    if form.is_valid():
        try:
            cohort = cohort_create(
                fields=form.fields_to_store(), acting_user=request.user, now=timezone.now()
            )
        except CohortError as error:
            form.refused(error)
        else:
            messages.success(request, f"Cohort “{cohort.name}” created.")
            return redirect("ops:cohorts")
    return _form_page(request, form, cohort=None, status=400)


@capability_required(Capability.ADMIN_CONSOLE)
def cohort_edit(request, cohort_id: int):
    cohort = _cohort(request, cohort_id, for_write=request.method == "POST")
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "GET":
        return _form_page(request, CohortForm(initial=cohort_initial(cohort)), cohort=cohort)
    form = CohortForm(request.POST)
    if form.is_valid():
        try:
            cohort_update(
                cohort=cohort,
                fields=form.fields_to_store(),
                acting_user=request.user,
                now=timezone.now(),
            )
        except CohortError as error:
            form.refused(error)
        else:
            messages.success(request, "Cohort saved.")
            return redirect("ops:cohorts")
    return _form_page(request, form, cohort=cohort, status=400)


@capability_required(Capability.ADMIN_CONSOLE)
def cohort_roster_view(request, cohort_id: int):
    cohort = _cohort(request, cohort_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return render(
        request,
        "ops/cohorts/roster.html",
        {
            "cohort": cohort,
            "rows": cohort_roster(cohort=cohort),
            "seats_taken": cohort_seats_taken(cohort=cohort),
        },
    )
