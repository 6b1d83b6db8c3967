"""Account closures in the administrators' console (/ops/closures/): the list of requests (who
and when; the client's optional reason is theirs, shown only on the row being completed), and
completing one behind a fresh sign-in (A-4). Administrators only: anyone else gets a denied 404
(A-1), for every method."""

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import gate
from records.models import ClosureRequest
from records.selectors import closures_for_console
from records.services import ClosureError, closure_complete

CLOSURES_SHOWN = 200


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


@capability_required(Capability.ADMIN_CONSOLE)
def closures(request: SignedInRequest) -> HttpResponse:
    """Open requests first, then the latest completed ones (one query)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {
        "closures": list(closures_for_console()[:CLOSURES_SHOWN]),
        "retention_years": settings.EHAB_RECORDS_RETENTION_YEARS,
    }
    return render(request, "ops/closures.html", context)


def _complete(request: SignedInRequest, closure: ClosureRequest) -> HttpResponse:
    try:
        closure_complete(request=closure, by=request.user, now=timezone.now())
    except ClosureError as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, "The closure is complete. The records are kept.")
    return redirect("ops:closures")


_complete_after_fresh_sign_in = reauthentication_required(_complete)


@capability_required(Capability.ADMIN_CONSOLE)
def closure_complete_view(request: SignedInRequest, closure_id: int) -> HttpResponse:
    """POST: complete one open closure (a fresh sign-in first); audited by the service."""
    closure = gate(
        ClosureRequest.objects.select_related("client"),
        user=request.user,
        pk=closure_id,
        target_type="records.closurerequest",
        for_write=True,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _complete_after_fresh_sign_in(request, closure)
