"""The project's own small views (the apps hold the rest)."""

from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.http import require_safe


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links; send them to the icon in static
    (hashed in production). Temporary, so a new icon is picked up."""
    return redirect(static("favicon.ico"))
