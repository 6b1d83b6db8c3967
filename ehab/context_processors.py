"""Template context every page needs: the practice's contact details and the viewer's role."""

from django.conf import settings

from accounts.roles import is_client_role, is_staff_role


def ehab(request):
    user = getattr(request, "user", None)
    role = user.role if user is not None and user.is_authenticated else None
    return {
        "practice": {
            "name": settings.EHAB_PRACTICE_NAME,
            "phone": settings.EHAB_PRACTICE_PHONE,
            "email": settings.EHAB_PRACTICE_EMAIL,
            "hours": settings.EHAB_PRACTICE_HOURS,
        },
        "viewer_is_client": role is not None and is_client_role(role),
        "viewer_is_staff": role is not None and is_staff_role(role),
    }
