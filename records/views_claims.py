"""Superbills and receipts for insurance (/me/records/superbill/, /me/records/receipts/<id>/):
the client gives their legal name and date of birth once, picks the days, and opens a printable
superbill of the sessions they attended and what they paid; each payment has a printable
receipt. The client's own alone: anyone else's payment is a denied 404, and staff reach none of
it (A-1). Opening a superbill or a receipt is audited (ranges and ids, never names or codes)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import gate
from audit.models import Action
from audit.services import audit_record
from payments.models import Payment

from .forms import ClaimDetailsForm, SuperbillRangeForm
from .models import ClaimDetails
from .services import SuperbillError, claim_details_save, superbill_issue
from .superbill import practice_address, superbill_missing


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


def _today(user: User, now: datetime) -> date:
    return now.astimezone(ZoneInfo(user.timezone)).date()


def _page(
    request: SignedInRequest,
    *,
    now: datetime,
    details_form: ClaimDetailsForm | None = None,
    range_form: SuperbillRangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = _today(request.user, now)
    details = ClaimDetails.objects.filter(client=request.user).first()
    if details_form is None:
        initial = (
            {"legal_name": details.legal_name, "date_of_birth": details.date_of_birth}
            if details is not None
            else None
        )
        details_form = ClaimDetailsForm(initial=initial, today=today)
    if range_form is None:
        range_form = SuperbillRangeForm(
            initial={"since": today.replace(day=1), "until": today}, today=today
        )
    context = {
        "missing": superbill_missing(),
        "details": details,
        "details_form": details_form,
        "range_form": range_form,
        "practice_phone": settings.EHAB_PRACTICE_PHONE,
        "practice_email": settings.EHAB_PRACTICE_EMAIL,
    }
    return render(request, "records/superbill.html", context, status=status)


@capability_required(Capability.OWN_PROGRAM)
def superbill(request: SignedInRequest) -> HttpResponse:
    """GET: your details for insurers and the days to cover; POST: save the details."""
    now = timezone.now()
    if request.method == "GET":
        return _page(request, now=now)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    form = ClaimDetailsForm(request.POST, today=_today(request.user, now))
    if not form.is_valid():
        return _page(request, now=now, details_form=form, status=400)
    claim_details_save(
        client=request.user,
        legal_name=form.cleaned_data["legal_name"],
        date_of_birth=form.cleaned_data["date_of_birth"],
        now=now,
    )
    messages.success(request, "Your details are saved.")
    return redirect("records:superbill")


@capability_required(Capability.OWN_PROGRAM)
def superbill_print(request: SignedInRequest) -> HttpResponse:
    """GET ?since=&until=: the printable superbill for those days (audited)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not request.GET:
        return redirect("records:superbill")
    now = timezone.now()
    form = SuperbillRangeForm(request.GET, today=_today(request.user, now))
    if not form.is_valid():
        return _page(request, now=now, range_form=form, status=400)
    try:
        bill = superbill_issue(
            client=request.user,
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
            now=now,
        )
    except SuperbillError as exc:
        messages.info(request, str(exc))
        return redirect("records:superbill")
    return render(request, "records/superbill_print.html", {"bill": bill})


@capability_required(Capability.OWN_PROGRAM)
def receipt(request: SignedInRequest, payment_id: int) -> HttpResponse:
    """A printable receipt for one of the client's own payments (audited)."""
    payment = gate(
        Payment.objects.filter(account__enrollment__client=request.user).select_related(
            "account__plan__track"
        ),
        user=request.user,
        pk=payment_id,
        target_type="payments.payment",
    )
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    audit_record(
        action=Action.RECEIPT_VIEWED, actor=request.user, subject=request.user, target=payment
    )
    details = ClaimDetails.objects.filter(client=request.user).first()
    context = {
        "payment": payment,
        "paid_on": payment.paid_at.astimezone(ZoneInfo(request.user.timezone)).date(),
        "received_from": details.legal_name if details is not None else request.user.email,
        "practice_name": settings.EHAB_PRACTICE_NAME,
        "practice_address": practice_address(),
        "tax_id": settings.EHAB_PRACTICE_TAX_ID,
    }
    return render(request, "records/receipt.html", context)
