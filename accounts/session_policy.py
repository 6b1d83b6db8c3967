"""Session keys and checks shared by the session middleware and the login receivers."""

import time

from allauth.account.authentication import get_authentication_records

AUTH_STARTED = "ehab_auth_started"
LAST_SEEN = "ehab_last_seen"
MFA_VERIFIED = "ehab_mfa_verified"
RESUME_AFTER_SIGN_IN = "ehab_resume_after_sign_in"


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


def resume_after_sign_in(session, path: str) -> None:
    """Remember where a signed-out visitor was going. Signing up and confirming an email loses
    the `next` of the first sign-in page, so the next sign-in in this browser returns here
    (once; signing out forgets it)."""
    session[RESUME_AFTER_SIGN_IN] = path
