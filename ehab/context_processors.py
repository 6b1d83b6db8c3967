"""Template context every page needs: the practice's contact details and the viewer's role."""

from django.conf import settings

from accounts.roles import is_client_role, is_staff_role


def ehab(request):
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "practice": {
            "name": settings.EHAB_PRACTICE_NAME,
            "phone": settings.EHAB_PRACTICE_PHONE,
            "email": settings.EHAB_PRACTICE_EMAIL,
            "hours": settings.EHAB_PRACTICE_HOURS,
        },
        "viewer_is_client": signed_in and is_client_role(user.role),
        "viewer_is_staff": signed_in and is_staff_role(user.role),
    }
