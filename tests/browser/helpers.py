"""Helpers for the browser tests: an axe-core check, a TOTP code, a discreet-wording check."""

import base64
import hashlib
import hmac
import re
import struct
import time

from axe_playwright_python.sync_playwright import Axe

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
