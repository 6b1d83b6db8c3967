"""Session keys and checks shared by the session middleware and the login receivers."""

import time

from allauth.account.authentication import get_authentication_records

AUTH_STARTED = "ehab_auth_started"
LAST_SEEN = "ehab_last_seen"
MFA_VERIFIED = "ehab_mfa_verified"


def mark_signed_in(session) -> None:
    now = time.time()
    session[AUTH_STARTED] = now
    session[LAST_SEEN] = now


def mark_mfa_verified(session) -> None:
    session[MFA_VERIFIED] = time.time()


def mfa_verified(request) -> bool:
    """Whether this session proved a second factor (at sign-in, reauthentication or setup)."""
    if request.session.get(MFA_VERIFIED):
        return True
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )
