"""Who may reach which page, by role. The rules themselves live in accounts/roles.py."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login

from audit.access import deny

from .roles import role_can


def capability_required(*capabilities: str):
    """View decorator: anonymous → sign-in; a role holding none of `capabilities` → denied 404
    (one capability for most pages; a page for two kinds of staff names both)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(role_can(user.role, capability) for capability in capabilities):
                deny(user=user, target_type="page", target_id=request.resolver_match.view_name)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
