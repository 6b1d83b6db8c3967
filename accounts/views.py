"""Account pages: the role-aware front door, the profile, the admin console, the crisis page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from .forms import ProfileForm
from .permissions import capability_required
from .roles import Capability, home_url_name
from .services import user_update_profile


@require_GET
def home(request):
    """`/`: each role's own home after sign-in; the sign-in page before."""
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    return redirect(home_url_name(request.user.role))


@require_GET
def crisis(request):
    """Help right now: open to everyone, signed in or not."""
    return render(request, "pages/crisis.html")


@require_GET
def healthz(request):
    """Liveness for the load balancer and docker-compose."""
    return HttpResponse("ok", content_type="text/plain")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            user_update_profile(
                user=user, acting_user=user, now=timezone.now(), **form.cleaned_data
            )
            messages.success(request, "Saved.")
            return redirect("accounts:profile")
    else:
        form = ProfileForm(
            initial={
                "preferred_name": user.preferred_name,
                "timezone": user.timezone,
                "phone": user.phone,
            }
        )
    return render(request, "accounts/profile.html", {"form": form})


@capability_required(Capability.ADMIN_CONSOLE)
@require_GET
def console(request):
    return render(request, "accounts/console.html")
