"""Client pages. The weekly course fills these in [2/4]; the home exists now."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.permissions import capability_required
from accounts.roles import Capability


@capability_required(Capability.OWN_PROGRAM)
@require_GET
def dashboard(request):
    """The client's home: this week's work (from [2/4]) and the way to help."""
    return render(request, "courses/dashboard.html")
