"""The audit trail in the administrators' console (/ops/audit/): who did what, to whose account
or records, allowed or refused, and when, filtered by person, action, outcome and days. The
trail holds no content (U-1), so the page shows every field but the request id. Administrators
only (Capability.ADMIN_CONSOLE): anyone else gets a denied 404. Reading it is not itself
recorded: the trail names people and actions, not anyone's health data."""

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability

from ..forms_audit import AuditFilterForm
from ..selectors.audit import audit_trail_page

PER_PAGE = 50


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


@capability_required(Capability.ADMIN_CONSOLE)
def audit_trail(request: SignedInRequest) -> HttpResponse:
    """Fifty events a page, newest first; a filter that does not make sense is a 400 with the
    form's message."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    form = AuditFilterForm(request.GET or None, zone=request.user.timezone)
    if form.is_bound and not form.is_valid():
        refused: dict[str, object] = {"form": form, "trail": None, "query_string": ""}
        return render(request, "ops/audit.html", refused, status=400)
    filters = form.filters() if form.is_bound else {}
    trail = audit_trail_page(**filters, per_page=PER_PAGE)
    kept = request.GET.copy()
    kept.pop("page", None)
    context = {"form": form, "trail": trail, "query_string": kept.urlencode()}
    return render(request, "ops/audit.html", context)
