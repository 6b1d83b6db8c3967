"""One submitted version of a client's worksheet, as their care team reads it, and the reply
to it. Drafts are the client's alone: their ids answer 404 like a missing version."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability
from courses.forms import WorksheetReplyForm
from courses.services.worksheets import worksheet_feedback_create, worksheet_review_record

from ..permissions import access_client, access_worksheet_version
from ..selectors.record_worksheets import worksheet_version_context

TEMPLATE = "care/worksheet_version.html"


def _page(request, *, client, version, form, status=200):
    context = {"client": client, "form": form, **worksheet_version_context(version=version)}
    return render(request, TEMPLATE, context, status=status)


@capability_required(Capability.CASELOAD)
def worksheet_version(request, client_id: int, version_id: int):
    """The version's page. Opening it marks it reviewed by the viewer and audits the read (the
    gates audit the record's opening and any refusal). Gates first, so an outsider gets 404 for
    every method (A-1)."""
    client = access_client(user=request.user, client_id=client_id)
    version = access_worksheet_version(user=request.user, client=client, version_id=version_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    worksheet_review_record(response=version, reviewer=request.user, now=timezone.now())
    return _page(request, client=client, version=version, form=WorksheetReplyForm())


@capability_required(Capability.CASELOAD)
def worksheet_reply(request, client_id: int, version_id: int):
    """POST a reply to the version: back to its page with a note, or the page with the form's
    errors (400) and nothing stored."""
    client = access_client(user=request.user, client_id=client_id, for_write=True)
    version = access_worksheet_version(
        user=request.user, client=client, version_id=version_id, for_write=True
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = WorksheetReplyForm(request.POST)
    if form.is_valid():
        try:
            worksheet_feedback_create(
                response=version,
                author=request.user,
                text=form.cleaned_data["text"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            form.add_error("text", exc.messages)
    if not form.is_valid():
        return _page(request, client=client, version=version, form=form, status=400)
    messages.success(request, "Your reply was saved. The client will find it under this version.")
    url = reverse("care:worksheet_version", args=[client.pk, version.pk])
    return redirect(f"{url}#replies")
