"""The billing console. Enrollments by billing state arrive in [4/4]; the page exists now."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability


@capability_required(Capability.BILLING_CONSOLE)
@require_GET
def console(request):
    return render(request, "payments/console.html")
