"""Pacing a client's program from their record: one address, the verb in the form. Each verb is
a Django form and one service of courses/services/pacing.py; a refused action comes back on the
record page with its message and nothing stored (B-1), a done one redirects to the record's
pacing section with a calm message (post, redirect, get)."""

from collections.abc import Callable
from datetime import datetime

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability
from courses.models import Enrollment
from courses.services.pacing import (
    PacingError,
    pacing_advance,
    pacing_hold,
    pacing_lift_hold,
    pacing_pause,
    pacing_resume,
    pacing_shift,
)

from ..forms import PACING_FORMS, PacingForm
from ..permissions import access_client
from ..selectors.record import record_context, record_enrollment
from ..selectors.record_pacing import pacing_section, pacing_weeks

NO_VERB = "Choose one of the pacing actions."
NO_PROGRAM = "This client has no current program to pace."


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


def _days(days: int) -> str:
    return f"{abs(days)} day{'s' if abs(days) != 1 else ''}"


def _hold(enrollment: Enrollment, data: dict, author: User, now: datetime) -> str:
    pacing_hold(enrollment=enrollment, module=data["week"], reason_code=data["reason"],
                note=data["note"], author=author, now=now)  # fmt: skip
    return (
        f"Week {data['week'].week} is held until you lift the hold. The client sees that it is "
        "waiting, never why."
    )


def _lift(enrollment: Enrollment, data: dict, author: User, now: datetime) -> str:
    pacing_lift_hold(enrollment=enrollment, module=data["week"], reason_code=data["reason"],
                     note=data["note"], author=author, now=now)  # fmt: skip
    week = data["week"]
    if enrollment.releases.filter(module=week).exists():
        return f"The hold on week {week.week} is lifted, and the week is open now."
    return f"The hold on week {week.week} is lifted; the week opens on its date."


def _advance(enrollment: Enrollment, data: dict, author: User, now: datetime) -> str:
    pacing_advance(enrollment=enrollment, module=data["week"], reason_code=data["reason"],
                   note=data["note"], author=author, now=now)  # fmt: skip
    return f"Week {data['week'].week} is open now."


def _pause(enrollment: Enrollment, data: dict, author: User, now: datetime) -> str:
    pacing_pause(enrollment=enrollment, reason_code=data["reason"], note=data["note"],
                 author=author, now=now)  # fmt: skip
    return "The program is paused. Everything already open stays open."


def _resume(enrollment: Enrollment, data: dict, author: User, now: datetime) -> str:
    before = enrollment.paused_days
    enrollment = pacing_resume(enrollment=enrollment, reason_code=data["reason"],
                               note=data["note"], author=author, now=now).enrollment  # fmt: skip
    moved = enrollment.paused_days - before
    later = f" The weeks still to come moved {_days(moved)} later." if moved else ""
    return f"The program has resumed.{later}"


def _shift(enrollment: Enrollment, data: dict, author: User, now: datetime) -> str:
    days = data["days"]
    pacing_shift(enrollment=enrollment, days=days, reason_code=data["reason"], note=data["note"],
                 author=author, now=now)  # fmt: skip
    return f"The weeks still to come moved {_days(days)} {'later' if days > 0 else 'earlier'}."


# Each verb's service call and the message it leaves.
ACTIONS: dict[str, Callable[[Enrollment, dict, User, datetime], str]] = {
    "hold": _hold,
    "lift": _lift,
    "advance": _advance,
    "pause": _pause,
    "resume": _resume,
    "shift": _shift,
}
# Pause, resume and shift move the whole schedule: they ask for a fresh sign-in.
FRESH_SIGN_IN = frozenset(verb for verb, form in PACING_FORMS.items() if form.fresh_sign_in)


def _refused(
    request: SignedInRequest,
    client: User,
    *,
    now: datetime,
    bound: PacingForm | None = None,
    error: str = "",
) -> HttpResponse:
    """The record page again, with the refused form and its errors in the pacing section."""
    context = record_context(client=client, viewer=request.user, now=now)
    context["pacing"] = pacing_section(
        client=client,
        enrollment=context["enrollment"],  # type: ignore[arg-type]  # record_context's own
        viewer=request.user,
        now=now,
        bound=bound,
        error=error,
    )
    return render(request, "care/record.html", context, status=400)


def _act(request: SignedInRequest, client: User, verb: str) -> HttpResponse:
    now = timezone.now()
    enrollment = record_enrollment(client=client)
    if enrollment is None:
        return _refused(request, client, now=now, error=NO_PROGRAM)
    form = PACING_FORMS[verb](request.POST, weeks=pacing_weeks(enrollment=enrollment))
    if not form.is_valid():
        return _refused(request, client, now=now, bound=form)
    try:
        done = ACTIONS[verb](enrollment, form.cleaned_data, request.user, now)
    except PacingError as exc:
        form.add_error(None, str(exc))
        return _refused(request, client, now=now, bound=form)
    messages.success(request, done)
    return redirect(reverse("care:client_detail", args=[client.pk]) + "#pacing")


# The same action behind allauth's fresh sign-in check: without one, the request is kept and the
# person confirms their sign-in first; the action then runs as posted.
_act_after_fresh_sign_in = reauthentication_required(_act)


@capability_required(Capability.CASELOAD)
def pacing(request: SignedInRequest, client_id: int) -> HttpResponse:
    """One pacing action on the client's current program. The gate comes first, so an outsider
    gets 404 for every method (A-1), before any fresh sign-in is asked for; the service audits
    the action (U-1)."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    verb = request.POST.get("verb", "")
    if verb not in ACTIONS:
        return _refused(request, client, now=timezone.now(), error=NO_VERB)
    if verb in FRESH_SIGN_IN:
        return _act_after_fresh_sign_in(request, client, verb)
    return _act(request, client, verb)
