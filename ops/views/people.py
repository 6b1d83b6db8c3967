"""People in the administrators' console (/ops/people/): find accounts, add one by invitation,
and a person's page: their account (role, name, time zone, phone, access, clinical oversight),
a client's care team and enrollments, a clinician's clinical supervision. Administrators only
(Capability.ADMIN_CONSOLE): anyone else gets a denied 404. Every change is a POST through the
audited services after a fresh sign-in (allauth); a refused one comes back with its message on
the same page and nothing stored (400). Account facts only: no clinical detail."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability, role_can
from audit.access import gate
from care.models import CareAssignment, Supervision
from care.services import (
    SupervisionError,
    care_assignment_create,
    care_assignment_end,
    supervision_end,
    supervision_start,
)

from ..forms_people import (
    CareTeamAddForm,
    PeopleFilterForm,
    PersonForm,
    PersonNewForm,
    SupervisorAddForm,
    person_initial,
)
from ..selectors.people import is_cared_for, people_for_console, person_links
from ..services.people import PersonError, person_invite, person_update

PER_PAGE = 50


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


def _person(request: SignedInRequest, person_id: int, *, for_write: bool = False) -> User:
    return gate(
        User.objects.all(),
        user=request.user,
        pk=person_id,
        target_type="account",
        for_write=for_write,
    )


@capability_required(Capability.ADMIN_CONSOLE)
def people(request: SignedInRequest) -> HttpResponse:
    """Accounts by email, 50 a page: searched by email or name, filtered by role and access."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    form = PeopleFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        refused: dict[str, object] = {"form": form, "page": None, "query_string": ""}
        return render(request, "ops/people/list.html", refused, status=400)
    filters = form.filters() if form.is_bound else {}
    paginator = Paginator(people_for_console(**filters), PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {"form": form, "page": page, "query_string": kept.urlencode()}
    return render(request, "ops/people/list.html", context)


@capability_required(Capability.ADMIN_CONSOLE)
def person_new(request: SignedInRequest) -> HttpResponse:
    """GET: the form. POST: create the account with no password and send the invitation to
    choose one, after a fresh sign-in."""
    if request.method == "POST":
        return _new_after_fresh_sign_in(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "ops/people/new.html", {"form": PersonNewForm()})


def _new(request: SignedInRequest) -> HttpResponse:
    form = PersonNewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = person_invite(
                email=data["email"],
                preferred_name=data["preferred_name"],
                role=data["role"],
                timezone=data["timezone"],
                acting_user=request.user,
                now=timezone.now(),
            )
        except PersonError as exc:
            form.refused(exc)
        else:
            messages.success(
                request, f"Added {person.email}. They will get an email to choose a password."
            )
            return redirect("ops:person", person.pk)
    return render(request, "ops/people/new.html", {"form": form}, status=400)


_new_after_fresh_sign_in = reauthentication_required(_new)


def _page(
    request: SignedInRequest,
    person: User,
    *,
    account_form: PersonForm | None = None,
    care_form: CareTeamAddForm | None = None,
    supervisor_form: SupervisorAddForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cared_for = is_cared_for(person)
    supervisable = role_can(person.role, Capability.CASELOAD)
    if care_form is None and cared_for:
        care_form = CareTeamAddForm(client=person)
    if supervisor_form is None and supervisable:
        supervisor_form = SupervisorAddForm(person=person)
    context = {
        "person": person,
        "is_self": person.pk == request.user.pk,
        "account_form": account_form or PersonForm(initial=person_initial(person)),
        "links": person_links(person=person),
        "cared_for": cared_for,
        "supervisable": supervisable,
        "care_form": care_form,
        "supervisor_form": supervisor_form,
    }
    return render(request, "ops/people/detail.html", context, status=status)


@capability_required(Capability.ADMIN_CONSOLE)
def person(request: SignedInRequest, person_id: int) -> HttpResponse:
    """GET: the person's page. POST: change their account, after a fresh sign-in."""
    found = _person(request, person_id, for_write=request.method == "POST")
    if request.method == "POST":
        return _update_after_fresh_sign_in(request, found)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return _page(request, found)


def _update(request: SignedInRequest, found: User) -> HttpResponse:
    form = PersonForm(request.POST)
    if form.is_valid():
        try:
            person_update(
                person=found,
                fields=form.fields_to_store(),
                acting_user=request.user,
                now=timezone.now(),
            )
        except PersonError as exc:
            form.refused(exc)
        else:
            messages.success(request, "The account is saved.")
            return redirect("ops:person", found.pk)
    return _page(request, found, account_form=form, status=400)


_update_after_fresh_sign_in = reauthentication_required(_update)


# --- a client's care team --------------------------------------------------------------------


def _care_add(request: SignedInRequest, found: User) -> HttpResponse:
    form = CareTeamAddForm(request.POST, client=found)
    if form.is_valid():
        try:
            care_assignment_create(
                clinician=form.cleaned_data["clinician"], client=found, acting_user=request.user
            )
        except ValueError as exc:  # a role changed since the form's check
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Added to the care team.")
            return redirect("ops:person", found.pk)
    return _page(request, found, care_form=form, status=400)


_care_add_after_fresh_sign_in = reauthentication_required(_care_add)


@capability_required(Capability.ADMIN_CONSOLE)
def person_care_add(request: SignedInRequest, person_id: int) -> HttpResponse:
    """POST: a clinician joins the client's care team, after a fresh sign-in."""
    found = _person(request, person_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not is_cared_for(found):
        messages.info(request, "Only clients and partners have a care team.")
        return redirect("ops:person", found.pk)
    return _care_add_after_fresh_sign_in(request, found)


def _care_end(request: SignedInRequest, assignment: CareAssignment) -> HttpResponse:
    care_assignment_end(assignment=assignment, acting_user=request.user, now=timezone.now())
    messages.success(request, "Removed from the care team. The history is kept.")
    return redirect("ops:person", assignment.client_id)


_care_end_after_fresh_sign_in = reauthentication_required(_care_end)


@capability_required(Capability.ADMIN_CONSOLE)
def person_care_end(request: SignedInRequest, person_id: int, assignment_id: int) -> HttpResponse:
    """POST: end one of the client's care assignments, after a fresh sign-in (one already
    ended stays as it is)."""
    assignment = gate(
        CareAssignment.objects.filter(client_id=person_id),
        user=request.user,
        pk=assignment_id,
        target_type="care.careassignment",
        for_write=True,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _care_end_after_fresh_sign_in(request, assignment)


# --- clinical supervision --------------------------------------------------------------------


def _supervisor_add(request: SignedInRequest, found: User) -> HttpResponse:
    form = SupervisorAddForm(request.POST, person=found)
    if form.is_valid():
        try:
            supervision_start(
                supervisor=form.cleaned_data["supervisor"],
                clinician=found,
                acting_user=request.user,
                now=timezone.now(),
            )
        except SupervisionError as exc:
            form.add_error("supervisor", str(exc))
        else:
            messages.success(request, "The supervision has started.")
            return redirect("ops:person", found.pk)
    return _page(request, found, supervisor_form=form, status=400)


_supervisor_add_after_fresh_sign_in = reauthentication_required(_supervisor_add)


@capability_required(Capability.ADMIN_CONSOLE)
def person_supervisor_add(request: SignedInRequest, person_id: int) -> HttpResponse:
    """POST: a clinical supervisor starts supervising this clinician, after a fresh sign-in."""
    found = _person(request, person_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not role_can(found.role, Capability.CASELOAD):
        messages.info(request, "Only clinicians and clinical supervisors are supervised.")
        return redirect("ops:person", found.pk)
    return _supervisor_add_after_fresh_sign_in(request, found)


def _supervision_end(request: SignedInRequest, person_id: int, found: Supervision) -> HttpResponse:
    supervision_end(supervision=found, acting_user=request.user, now=timezone.now())
    messages.success(request, "The supervision has ended. The history is kept.")
    return redirect("ops:person", person_id)


_supervision_end_after_fresh_sign_in = reauthentication_required(_supervision_end)


@capability_required(Capability.ADMIN_CONSOLE)
def person_supervision_end(
    request: SignedInRequest, person_id: int, supervision_id: int
) -> HttpResponse:
    """POST: end a supervision the person is part of (as the one supervised or the supervisor),
    after a fresh sign-in; back to that person's page."""
    found = gate(
        Supervision.objects.filter(Q(clinician_id=person_id) | Q(supervisor_id=person_id)),
        user=request.user,
        pk=supervision_id,
        target_type="care.supervision",
        for_write=True,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _supervision_end_after_fresh_sign_in(request, person_id, found)
