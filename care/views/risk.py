"""Risk flags (S-2, S-5). The client's "I'm not safe right now" and the support page it leads
to; the care team's flags page (acknowledge, resolve) and raising a flag from the record."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import capability_required
from accounts.roles import Capability, role_can
from audit.access import deny
from audit.models import Action
from audit.services import audit_record
from notifications.models import Notification

from ..forms import RiskFlagRaiseForm, RiskFlagResolveForm
from ..models import RiskFlag
from ..permissions import access_client, access_flag, may_see_flags
from ..selectors.flags import flags_page, newest_open_flag_for_client
from ..selectors.safety_plan import safety_plan_for
from ..services import (
    FlagError,
    risk_flag_acknowledge,
    risk_flag_anchor,
    risk_flag_raise,
    risk_flag_resolve,
)

# --- the client ---


@capability_required(Capability.OWN_PROGRAM)
@require_POST
def not_safe(request):
    """ "I'm not safe right now": raise a flag (one while it is open) and show help at once."""
    risk_flag_raise(client=request.user, source=RiskFlag.Source.CLIENT, now=timezone.now())
    return redirect("risk:support")


@capability_required(Capability.OWN_PROGRAM)
@require_GET
def support(request):
    """Help right now for a client who may not be safe: crisis lines first, then what the
    care team has been told (only what is true: an alert was written for this flag), then the
    client's own safety plan, or an invitation to write one (5 queries with the session's)."""
    flag = newest_open_flag_for_client(client=request.user)
    alerted = (
        flag is not None
        and Notification.objects.filter(
            Q(dedupe_key__startswith=f"risk_alert:{flag.pk}:")
            | Q(dedupe_key__startswith=f"risk_escalation:{flag.pk}:")
        ).exists()
    )
    context = {
        "flag": flag,
        "alerted": alerted,
        "safety_plan": safety_plan_for(client=request.user),
    }
    return render(request, "care/risk/support.html", context)


# --- the care team ---


def _flags_gate(request):
    if not request.user.is_authenticated:
        return False
    if not may_see_flags(request.user):
        deny(user=request.user, target_type="page", target_id=request.resolver_match.view_name)
    return True


def _flags_url(flag: RiskFlag) -> str:
    return f"{reverse('care:flags')}#{risk_flag_anchor(flag_id=flag.pk)}"


def flags(request):
    """Every open flag the viewer may open (the one waiting longest first) and the last
    fortnight's resolved ones. Reading it is audited once per visit (U-1). The gate comes
    before the method check, so an outsider gets 404 for every method (A-1)."""
    if not _flags_gate(request):
        return redirect_to_login(request.get_full_path())
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    now = timezone.now()
    page = flags_page(viewer=request.user, now=now)
    audit_record(
        action=Action.RISK_FLAG_VIEWED,
        actor=request.user,
        target_type="care.flags",
        metadata={"open": len(page["open"])},
    )
    return _flags_page(request, page=page, now=now)


def _flags_page(request, *, page, now, bound: RiskFlagResolveForm | None = None, status=200):
    """The flags page; `bound` (a refused resolve form) takes its flag's place."""
    entries = [
        {
            "row": row,
            "form": bound
            if bound is not None and bound.flag_id == row.flag.pk
            else RiskFlagResolveForm(flag_id=row.flag.pk),
        }
        for row in page["open"]
    ]
    context = {
        "open": entries,
        "resolved": page["resolved"],
        "now": now,
        "can_open_records": role_can(request.user.role, Capability.CASELOAD),
    }
    return render(request, "care/flags.html", context, status=status)


def flag_acknowledge(request, flag_id: int):
    """POST: the viewer has seen the flag (it stops escalating); back to it on the flags page."""
    if not _flags_gate(request):
        return redirect_to_login(request.get_full_path())
    flag = access_flag(user=request.user, flag_id=flag_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    risk_flag_acknowledge(flag=flag, by=request.user, now=timezone.now())
    messages.success(request, "Acknowledged. It will not escalate.")
    return redirect(_flags_url(flag))


def flag_resolve(request, flag_id: int):
    """POST: resolve the flag with the action taken; a refused form comes back on the flags
    page with its errors (400) and nothing changes."""
    if not _flags_gate(request):
        return redirect_to_login(request.get_full_path())
    flag = access_flag(user=request.user, flag_id=flag_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RiskFlagResolveForm(request.POST, flag_id=flag.pk)
    if form.is_valid():
        try:
            risk_flag_resolve(
                flag=flag,
                by=request.user,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                now=timezone.now(),
            )
        except FlagError as exc:
            form.add_error(None, str(exc))
    if not form.is_valid():
        now = timezone.now()
        page = flags_page(viewer=request.user, now=now)
        return _flags_page(request, page=page, now=now, bound=form, status=400)
    messages.success(request, "Resolved. Thank you for following it up.")
    return redirect(_flags_url(flag))


@capability_required(Capability.CASELOAD)
def flag_raise(request, client_id: int):
    """POST from the record: a member of the care team raises a flag about the client (the
    same alerts and holds as any flag)."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RiskFlagRaiseForm(request.POST)
    record = reverse("care:client_detail", args=[client.pk])
    if not form.is_valid():
        for error in form.errors.get("note", []):
            messages.error(request, str(error))
        return redirect(f"{record}#risk")
    risk_flag_raise(
        client=client,
        source=RiskFlag.Source.CLINICIAN,
        raised_by=request.user,
        note=form.cleaned_data["note"],
        now=timezone.now(),
    )
    messages.success(request, "Flag raised. The care team has been alerted.")
    return redirect(f"{record}#risk")
