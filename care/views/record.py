"""A client's record, as their care team sees it: one page of sections (progress, SUDS,
worksheets, pacing, notes), each built by its own selector in care/selectors/."""

from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..permissions import access_client
from ..selectors.record import record_context


@capability_required(Capability.CASELOAD)
def client_record(request, client_id: int):
    """The record's page. The gate comes before the method check, so an outsider gets 404 for
    every method (A-1); opening the record is audited by the gate."""
    client = access_client(user=request.user, client_id=client_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    context = record_context(client=client, viewer=request.user, now=timezone.now())
    return render(request, "care/record.html", context)
