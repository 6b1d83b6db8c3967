"""Enrollments in the administrators' console: find one by the client's email, open it, move it
to another cohort of its track after a preview of its weeks, withdraw, complete or re-admit it.
Every change goes through courses' enrollment services with a reason, after a fresh sign-in
(allauth), and is audited there; a refused change comes back with its message and nothing
stored (status 400)."""

from datetime import datetime

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability
from courses.models import Cohort, Enrollment, EnrollmentStatus, Track
from courses.services.enrollment import (
    READMIT_FROM,
    EnrollmentError,
    cohort_seats_taken,
    enrollment_close,
    enrollment_move,
    enrollment_readmit,
    enrollment_schedule_preview,
    enrollment_switch_plan,
    enrollment_switch_track,
)

from ..forms_enrollments import (
    CohortChoiceForm,
    FindForm,
    InviteForm,
    ManualEnrollForm,
    MoveForm,
    ReasonForm,
    SwitchForm,
    TrackChoiceForm,
)
from ..invitations import RowProblem, read_invite_csv
from ..services.enrollments import enrollment_manual_create, invite_into_cohort

S = EnrollmentStatus
# Each status action: the status it leads to (None: re-admit), its button and its message.
STATUS_ACTIONS: dict[str, tuple[str | None, str, str]] = {
    "withdraw": (S.WITHDRAWN, "Withdraw", "The enrollment is withdrawn."),
    "complete": (S.COMPLETED, "Mark completed", "The enrollment is marked completed."),
    "readmit": (None, "Re-admit", "The enrollment is active again."),
}


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


def _enrollment(enrollment_id: int) -> Enrollment:
    try:
        return Enrollment.objects.select_related("client", "track", "cohort").get(pk=enrollment_id)
    except Enrollment.DoesNotExist:
        raise Http404("No such enrollment.") from None


@capability_required(Capability.ADMIN_CONSOLE)
def enrollments(request: SignedInRequest) -> HttpResponse:
    """Find a client's enrollments by their email address."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    found: list[Enrollment] | None = None
    form = FindForm(request.GET or None)
    status = 200
    if request.GET:
        if form.is_valid():
            found = list(
                Enrollment.objects.filter(client__email__iexact=form.cleaned_data["email"])
                .select_related("client", "track", "cohort")
                .order_by("-created_at", "-pk")
            )
        else:
            status = 400
    return render(
        request, "ops/enrollments/find.html", {"form": form, "found": found}, status=status
    )


def _status_actions(enrollment: Enrollment) -> list[tuple[str, str]]:
    """The status actions this enrollment allows now: (action, button label)."""
    actions = []
    live = enrollment.status in (S.PENDING_PAYMENT, S.ACTIVE, S.PAUSED)
    for action, (status, label, _) in STATUS_ACTIONS.items():
        if status is None:
            allowed = enrollment.status in READMIT_FROM
        elif status == S.COMPLETED:
            allowed = enrollment.status == S.ACTIVE
        else:
            allowed = live and enrollment.status != S.PENDING_PAYMENT
        if allowed:
            actions.append((action, label))
    return actions


def _detail(
    request: SignedInRequest,
    enrollment: Enrollment,
    *,
    error: str = "",
    action: str = "",
    reason_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "enrollment": enrollment,
        "weeks_open": enrollment.releases.count(),
        "move_form": CohortChoiceForm(enrollment=enrollment),
        "can_move": enrollment.status in (S.PENDING_PAYMENT, S.ACTIVE, S.PAUSED),
        "can_switch": enrollment.status in (S.ACTIVE, S.PAUSED),
        "actions": [
            (
                name,
                label,
                reason_form
                if name == action and reason_form is not None
                else ReasonForm(auto_id=f"id_%s_{name}"),
            )
            for name, label in _status_actions(enrollment)
        ],
        "error": error,
    }
    return render(request, "ops/enrollments/detail.html", context, status=status)


@capability_required(Capability.ADMIN_CONSOLE)
def enrollment(request: SignedInRequest, enrollment_id: int) -> HttpResponse:
    """One enrollment: who, which track and cohort, its status, and the actions on it."""
    found = _enrollment(enrollment_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return _detail(request, found)


def _preview(
    request: SignedInRequest,
    found: Enrollment,
    form: MoveForm,
    *,
    cohort: Cohort | None,
    now: datetime,
    status: int,
) -> HttpResponse:
    """The move page: the chosen cohort's weeks (when one is chosen) and the confirm form."""
    weeks = (
        enrollment_schedule_preview(enrollment=found, anchor=cohort.start_date, now=now)
        if cohort is not None
        else []
    )
    context = {
        "enrollment": found,
        "cohort": cohort,
        "seats_taken": cohort_seats_taken(cohort=cohort) if cohort is not None else None,
        "weeks": weeks,
        "form": form,
    }
    return render(request, "ops/enrollments/move.html", context, status=status)


def _move(request: SignedInRequest, found: Enrollment) -> HttpResponse:
    now = timezone.now()
    form = MoveForm(request.POST, enrollment=found)
    if not form.is_valid():
        cohort = form.cleaned_data.get("cohort")
        return _preview(request, found, form, cohort=cohort, now=now, status=400)
    try:
        enrollment_move(
            enrollment=found,
            cohort=form.cleaned_data["cohort"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
            now=now,
        )
    except EnrollmentError as exc:
        form.add_error(None, str(exc))
        cohort = form.cleaned_data.get("cohort")
        return _preview(request, found, form, cohort=cohort, now=now, status=400)
    messages.success(request, f"Moved to {form.cleaned_data['cohort'].name}.")
    return redirect(reverse("ops:enrollment", args=[found.pk]))


# The move behind allauth's fresh sign-in check: without one, the person confirms their sign-in
# first and the move then runs as posted.
_move_after_fresh_sign_in = reauthentication_required(_move)


@capability_required(Capability.ADMIN_CONSOLE)
def enrollment_move_view(request: SignedInRequest, enrollment_id: int) -> HttpResponse:
    """GET: which weeks would open when in the chosen cohort (the client's own zone), and the
    form to confirm. POST: the move itself, after a fresh sign-in."""
    found = _enrollment(enrollment_id)
    if request.method == "POST":
        return _move_after_fresh_sign_in(request, found)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    now = timezone.now()
    if "cohort" not in request.GET:
        choose = CohortChoiceForm(enrollment=found)
        return _preview(request, found, choose, cohort=None, now=now, status=200)
    choice = CohortChoiceForm(request.GET, enrollment=found)
    if not choice.is_valid():
        return _preview(request, found, choice, cohort=None, now=now, status=400)
    cohort = choice.cleaned_data["cohort"]
    form = MoveForm(initial={"cohort": cohort.pk}, enrollment=found)
    return _preview(request, found, form, cohort=cohort, now=now, status=200)


def _status(request: SignedInRequest, found: Enrollment, action: str) -> HttpResponse:
    now = timezone.now()
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _detail(request, found, action=action, reason_form=form, status=400)
    target, _, done = STATUS_ACTIONS[action]
    reason = form.cleaned_data["reason"]
    try:
        if target is None:
            enrollment_readmit(enrollment=found, reason=reason, acting_user=request.user, now=now)
        else:
            enrollment_close(
                enrollment=found, status=target, reason=reason, acting_user=request.user, now=now
            )
    except EnrollmentError as exc:
        return _detail(request, found, error=str(exc), action=action, reason_form=form, status=400)
    messages.success(request, done)
    return redirect(reverse("ops:enrollment", args=[found.pk]))


_status_after_fresh_sign_in = reauthentication_required(_status)


@capability_required(Capability.ADMIN_CONSOLE)
def enrollment_status(request: SignedInRequest, enrollment_id: int, action: str) -> HttpResponse:
    """Withdraw, complete or re-admit (POST only), with a reason, after a fresh sign-in."""
    found = _enrollment(int(enrollment_id))
    if action not in STATUS_ACTIONS:
        raise Http404("No such action.")
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _status_after_fresh_sign_in(request, found, action)


def _switch_page(
    request: SignedInRequest,
    found: Enrollment,
    form: SwitchForm,
    *,
    track: Track | None,
    cohort: Cohort | None,
    status: int,
) -> HttpResponse:
    """The switch page: what carries over to the chosen track (when one is chosen) and the
    confirm form."""
    plan = enrollment_switch_plan(enrollment=found, track=track) if track is not None else None
    context = {"enrollment": found, "track": track, "cohort": cohort, "plan": plan, "form": form}
    return render(request, "ops/enrollments/switch.html", context, status=status)


def _switch(request: SignedInRequest, found: Enrollment) -> HttpResponse:
    form = SwitchForm(request.POST, enrollment=found)
    if not form.is_valid():
        track, cohort = form.cleaned_data.get("track"), form.cleaned_data.get("cohort")
        return _switch_page(request, found, form, track=track, cohort=cohort, status=400)
    track, cohort = form.cleaned_data["track"], form.cleaned_data["cohort"]
    try:
        enrollment_switch_track(
            enrollment=found,
            track=track,
            cohort=cohort,
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
            now=timezone.now(),
        )
    except EnrollmentError as exc:
        form.add_error(None, str(exc))
        return _switch_page(request, found, form, track=track, cohort=cohort, status=400)
    messages.success(request, f"Switched to {track.title}; the client's progress came along.")
    return redirect(reverse("ops:enrollment", args=[found.pk]))


_switch_after_fresh_sign_in = reauthentication_required(_switch)


@capability_required(Capability.ADMIN_CONSOLE)
def enrollment_switch_view(request: SignedInRequest, enrollment_id: int) -> HttpResponse:
    """GET: what would carry over to the chosen track. POST: the switch, after a fresh
    sign-in."""
    found = _enrollment(enrollment_id)
    if request.method == "POST":
        return _switch_after_fresh_sign_in(request, found)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    if "track" not in request.GET:
        choose = TrackChoiceForm(enrollment=found)
        return _switch_page(request, found, choose, track=None, cohort=None, status=200)
    choice = TrackChoiceForm(request.GET, enrollment=found)
    if not choice.is_valid():
        return _switch_page(request, found, choice, track=None, cohort=None, status=400)
    track, cohort = choice.cleaned_data["track"], choice.cleaned_data["cohort"]
    form = SwitchForm(
        initial={"track": track.pk, "cohort": cohort.pk if cohort else None}, enrollment=found
    )
    return _switch_page(request, found, form, track=track, cohort=cohort, status=200)


# --- inviting people and enrolling them by hand (no online payment) -------------------------


@capability_required(Capability.ADMIN_CONSOLE)
def invite(request: SignedInRequest) -> HttpResponse:
    """GET: the upload form. POST: read the CSV row by row; when every line is right, create the
    accounts, enroll them in the cohort (manual: no online payment) and send each an invitation
    to choose a password, after a fresh sign-in; otherwise the report, line by line, and nobody
    is created (400)."""
    if request.method == "POST":
        return _invite_after_fresh_sign_in(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "ops/enrollments/invite.html", {"form": InviteForm()})


def _invite(request: SignedInRequest) -> HttpResponse:
    form = InviteForm(request.POST, request.FILES)
    problems: list[RowProblem] = []
    if form.is_valid():
        invitees, problems = read_invite_csv(form.cleaned_data["people"].read())
        if not problems:
            cohort = form.cleaned_data["cohort"]
            try:
                done = invite_into_cohort(
                    invitees=invitees, cohort=cohort, acting_user=request.user, now=timezone.now()
                )
            except EnrollmentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Invited {len(done)} {'person' if len(done) == 1 else 'people'} into "
                    f"{cohort.name}. Each will get an email to choose a password.",
                )
                return redirect(reverse("ops:invite"))
    context = {"form": form, "problems": problems}
    return render(request, "ops/enrollments/invite.html", context, status=400)


_invite_after_fresh_sign_in = reauthentication_required(_invite)


@capability_required(Capability.ADMIN_CONSOLE)
def manual_enroll(request: SignedInRequest) -> HttpResponse:
    """One existing client into a cohort without online payment (a scholarship or insurance),
    after a fresh sign-in."""
    if request.method == "POST":
        return _manual_after_fresh_sign_in(request)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "ops/enrollments/manual.html", {"form": ManualEnrollForm()})


def _manual(request: SignedInRequest) -> HttpResponse:
    form = ManualEnrollForm(request.POST)
    if form.is_valid():
        try:
            made = enrollment_manual_create(
                client=form.cleaned_data["email"],
                cohort=form.cleaned_data["cohort"],
                acting_user=request.user,
                now=timezone.now(),
            )
        except EnrollmentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Enrolled, with no online payment.")
            return redirect(reverse("ops:enrollment", args=[made.pk]))
    return render(request, "ops/enrollments/manual.html", {"form": form}, status=400)


_manual_after_fresh_sign_in = reauthentication_required(_manual)
