"""The request being served, as logs and audit rows see it: its id and the client's address,
carried in context variables, and the one rule for what the client's address is."""

import contextvars
import ipaddress
import logging
import re

from django.conf import settings
from django.http import HttpRequest

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def get_request_id() -> str:
    """The id of the request being served on this thread, or "-" outside a request."""
    return _request_id.get()


def get_client_ip() -> str | None:
    """The address of the client of the request being served, if any."""
    return _client_ip.get()


def bind_request(request_id: str, client_ip: str | None) -> None:
    """Bind a request's id and client address to the current context."""
    _request_id.set(request_id)
    _client_ip.set(client_ip)


def unbind_request() -> None:
    """Forget the request once its response is closed."""
    _request_id.set("-")
    _client_ip.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record so the formatter can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id()
        return True


# A request id from our proxy is kept only if it is 8 to 64 ASCII letters, digits and hyphens
# (nginx's $request_id, a UUID); anything else is replaced. fullmatch: `$` would also let a
# trailing newline through, and that id would be echoed into a response header.
_SAFE_ID = re.compile(r"[A-Za-z0-9-]{8,64}")


def _address(text: str) -> str | None:
    """An IP address in canonical form, from `1.2.3.4`, `1.2.3.4:443`, `::1` or `[::1]:443`."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, the one answer for everything that needs it: audit rows (bound per
    request below) and allauth's rate limits (accounts.adapters.AccountAdapter.get_client_ip).

    With EHAB_TRUSTED_PROXY_COUNT = N, the N-th X-Forwarded-For entry from the right: the hop
    our outermost proxy appended. Everything left of it was sent by the client and is ignored,
    so a forged entry cannot choose the address. Without proxies, or when the header is shorter
    than N (a request that did not come through them), the socket's REMOTE_ADDR. None if that
    entry is not an address.
    """
    proxies = settings.EHAB_TRUSTED_PROXY_COUNT
    if proxies:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return _address(hops[-proxies])
    return _address(request.META.get("REMOTE_ADDR", ""))


def incoming_request_id(request: HttpRequest) -> str | None:
    """The X-Request-ID our trusted proxy set, if there is a proxy and the id is plain.

    Without a trusted proxy (EHAB_TRUSTED_PROXY_COUNT = 0) the header can only have come from
    the client, and the id goes into logs and the append-only audit trail: it is ignored.
    """
    if not settings.EHAB_TRUSTED_PROXY_COUNT:
        return None
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _SAFE_ID.fullmatch(incoming) else None
