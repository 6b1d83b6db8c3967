"""The caseload: the clinician's clients, ranked for the morning's triage."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability

from ..selectors import caseload_for


@capability_required(Capability.CASELOAD)
@require_GET
def caseload(request):
    return render(request, "care/caseload.html", {"clients": caseload_for(clinician=request.user)})
