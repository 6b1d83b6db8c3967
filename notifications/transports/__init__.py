"""Transports: the only code that talks to mail and SMS providers (docs/architecture.md).

A transport sends one rendered message and returns the provider's message id, or raises
TransientError (worth retrying later) or PermanentError (never retry).
"""

from dataclasses import dataclass


class TransportError(Exception):
    """A send failed; `str(exc)` is a short reason without message content."""


class TransientError(TransportError):
    """Temporary: the provider or network may accept the message later."""


class PermanentError(TransportError):
    """Final: the address or number is refused, or the transport is not configured."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    text: str
    html: str
    sms: str
    unsubscribe_url: str = ""
