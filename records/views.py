"""The client's own records (/me/records/): what a copy holds and preparing one (behind a fresh
sign-in), the copy through its opaque link (printable page and JSON file, the owner's alone,
within its lifetime, each download audited), and closing the account. Staff get a denied 404
(there is no one else's records to open here); a link that is not the client's own is a denied
404 too (A-1)."""

import json

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.permissions import capability_required
from accounts.roles import Capability
from audit.access import deny

from .export import SECTIONS
from .forms import ClosureForm
from .models import RecordExport
from .selectors import closure_open_for, export_for_token, exports_recent
from .services import (
    ClosureError,
    closure_request,
    record_export_downloaded,
    record_export_expire,
    record_export_request,
)
from .tasks import build_record_export


class SignedInRequest(HttpRequest):
    """A request that capability_required let through: its user is signed in (for the types)."""

    user: User


@capability_required(Capability.OWN_PROGRAM)
def home(request: SignedInRequest) -> HttpResponse:
    """What a copy of the records holds, the client's recent copies, and the button."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {
        "sections": SECTIONS,
        "exports": exports_recent(client=request.user),
        "export_hours": settings.EHAB_RECORDS_EXPORT_HOURS,
    }
    return render(request, "records/home.html", context)


def _enqueue(export_id: int) -> None:
    try:
        build_record_export.delay(export_id)
    except Exception:  # noqa: BLE001 - broker down: the copy stays pending; the page says so
        return


def _prepare(request: SignedInRequest) -> HttpResponse:
    requested = record_export_request(client=request.user, now=timezone.now())
    export_id = requested.export.pk
    transaction.on_commit(lambda: _enqueue(export_id))
    return redirect("records:export", token=requested.token)


_prepare_after_fresh_sign_in = reauthentication_required(_prepare)


@capability_required(Capability.OWN_PROGRAM)
def prepare(request: SignedInRequest) -> HttpResponse:
    """POST: prepare a new copy (a fresh sign-in first, A-4), then open its link's page."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return _prepare_after_fresh_sign_in(request)


def _owned(request: SignedInRequest, token: str) -> RecordExport:
    export = export_for_token(client=request.user, token=token)
    if export is None:
        # Never the token itself in the trail: it is the key to the copy.
        deny(user=request.user, target_type="records.recordexport")
    return export


def _expired(request: SignedInRequest) -> HttpResponse:
    return render(request, "records/expired.html", status=410)


@capability_required(Capability.OWN_PROGRAM)
def export_page(request: SignedInRequest, token: str) -> HttpResponse:
    """The copy as a printable page; while it is prepared, a calm page that says so."""
    export = _owned(request, token)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    export = record_export_expire(export=export, now=timezone.now())
    if export.status == RecordExport.Status.EXPIRED:
        return _expired(request)
    if export.status != RecordExport.Status.READY:
        return render(request, "records/pending.html", {"export": export, "token": token})
    record_export_downloaded(export=export, user=request.user, fmt="html")
    context = {"export": export, "doc": export.document, "token": token, "sections": SECTIONS}
    return render(request, "records/export.html", context)


@capability_required(Capability.OWN_PROGRAM)
def export_json(request: SignedInRequest, token: str) -> HttpResponse:
    """The copy as a JSON file to keep."""
    export = _owned(request, token)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    export = record_export_expire(export=export, now=timezone.now())
    if export.status == RecordExport.Status.EXPIRED:
        return _expired(request)
    if export.status != RecordExport.Status.READY:
        return redirect("records:export", token=token)
    record_export_downloaded(export=export, user=request.user, fmt="json")
    body = json.dumps(export.document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = export.ready_at.strftime("%Y-%m-%d") if export.ready_at else "copy"
    response["Content-Disposition"] = f'attachment; filename="my-records-{stamp}.json"'
    return response


@capability_required(Capability.OWN_PROGRAM)
def close(request: SignedInRequest) -> HttpResponse:
    """GET: what closing the account means. POST: with the confirmation ticked, record the
    request, end access and sign out; without it, the form again (400) keeping the reason."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {
        "retention_years": settings.EHAB_RECORDS_RETENTION_YEARS,
        "open_request": closure_open_for(client=request.user),
    }
    if request.method == "GET":
        return render(request, "records/close.html", {**context, "form": ClosureForm()})
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            closure_request(
                client=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
            )
        except ClosureError as exc:
            form.add_error(None, str(exc))
        else:
            logout(request)
            return redirect(reverse("records:closed"))
    return render(request, "records/close.html", {**context, "form": form}, status=400)


def closed(request: HttpRequest) -> HttpResponse:
    """The calm page after closing: anyone may see it (the person is signed out by then)."""
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = {"retention_years": settings.EHAB_RECORDS_RETENTION_YEARS}
    return render(request, "records/closed.html", context)
