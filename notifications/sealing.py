"""Sealing: authenticated encryption of an account email between the request and the worker.

Account emails carry allauth's one-time links (a password-reset key, an email-confirmation key).
The request renders them and the worker sends them (docs/decisions/0008), so the rendered
message waits in the database for a moment: sealed with a key derived from SECRET_KEY (Fernet:
AES-128-CBC with HMAC-SHA256), so a copy of the database alone reveals no link. Keys in
SECRET_KEY_FALLBACKS still open what was sealed before a key rotation.
"""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

_PURPOSE = "ehab.notifications.sealing.account-mail"

__all__ = ["InvalidToken", "seal", "unseal"]


def _fernet_for(secret: str) -> Fernet:
    digest = salted_hmac(_PURPOSE, "fernet-key", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet_for(secret) for secret in secrets])


def seal(payload: dict[str, str]) -> str:
    """Encrypt and authenticate `payload` (JSON-serialisable strings) with the current key."""
    return _fernet().encrypt(json.dumps(payload).encode()).decode("ascii")


def unseal(token: str) -> dict[str, str]:
    """The payload sealed in `token`; raises InvalidToken if it was altered or sealed with a key
    that is neither SECRET_KEY nor one of SECRET_KEY_FALLBACKS."""
    return json.loads(_fernet().decrypt(token.encode("ascii")))
