"""Helpers for the browser tests: an axe-core check, a TOTP code, a discreet-wording check,
and the few steps every journey takes (labels, URLs, signing in and out)."""

import base64
import hashlib
import hmac
import re
import struct
import time

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

BLOCKING_IMPACTS = frozenset({"serious", "critical"})

# L-1: notifications carry no program, therapy, addiction or sexual wording. Matched as word
# starts, so "therapist", "addicted", "sexual", "programs" and "recovering" are caught too.
DENYLIST = ("therap", "addict", "sex", "porn", "recover", "treatment", "program")
_DENYLIST_RE = re.compile(r"\b(" + "|".join(DENYLIST) + r")", re.IGNORECASE)

_axe = Axe()


def assert_accessible(page) -> None:
    """Fail listing every serious or critical axe-core violation on the current page."""
    violations = _axe.run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    if not blocking:
        return
    lines = [f"{len(blocking)} serious/critical accessibility violation(s) on {page.url}:"]
    for violation in blocking:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation.get('helpUrl', '')}")
        for node in violation["nodes"]:
            lines.append(f"  target {node['target']}: {node.get('failureSummary', '')}")
            lines.append(f"    {node.get('html', '')[:200]}")
    raise AssertionError("\n".join(lines))


def denylisted_words(text: str) -> list[str]:
    """The words in `text` that would tell a reader what the service is about."""
    return sorted({match.group(0).lower() for match in _DENYLIST_RE.finditer(text)})


def totp_code(secret: str, *, at: float | None = None, period: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1) for a base32 `secret`, computed with the standard library."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def fresh_totp_code(secret: str, *, period: int = 30, margin: float = 5.0) -> str:
    """A code with at least `margin` seconds left in its window (the server allows no drift)."""
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.1)
    return totp_code(secret, period=period)


def label(text: str) -> re.Pattern:
    """A form label: exactly `text`, with or without Django's trailing colon."""
    return re.compile(r"^" + re.escape(text) + r":?$")


def path_is(path: str, *, fragment: bool = False) -> re.Pattern:
    """A URL on any host whose path is exactly `path`, with or without a query string (and,
    with `fragment`, with or without a #fragment)."""
    tail = r"(#.*)?(\?.*)?$" if fragment else r"(\?.*)?$"
    return re.compile(r"^https?://[^/]+" + re.escape(path) + tail)


def sign_in(page, email: str, password: str) -> None:
    """Fill in and send the sign-in form."""
    page.goto(reverse("account_login"))
    page.get_by_label(label("Email")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign In").click()


def enter_totp_code(page, secret: str) -> None:
    """On the second-factor page after signing in, enter a fresh code of the authenticator app
    holding `secret`."""
    expect(page).to_have_url(path_is(reverse("mfa_authenticate")))
    page.locator("input[name=code]").fill(fresh_totp_code(secret))
    page.get_by_role("button", name=re.compile("sign in", re.I)).click()


def sign_out(page) -> None:
    """Sign out from the header; on a phone-sized screen its menu is folded, so open it first."""
    button = page.get_by_role("button", name="Sign out")
    if not button.is_visible():
        page.locator("details.site-menu > summary").click()
    button.click()
