"""Project-wide middleware: request ids and the client's address, no-store caching and the site's
own 405 page."""

import ipaddress
import re
import uuid

from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from .errors import method_not_allowed
from .logging import bind_request, unbind_request

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


def client_ip(request) -> str | None:
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


def _incoming_request_id(request) -> str | None:
    """The X-Request-ID our trusted proxy set, if there is a proxy and the id is plain.

    Without a trusted proxy (EHAB_TRUSTED_PROXY_COUNT = 0) the header can only have come from
    the client, and the id goes into logs and the append-only audit trail: it is ignored.
    """
    if not settings.EHAB_TRUSTED_PROXY_COUNT:
        return None
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    return incoming if _SAFE_ID.fullmatch(incoming) else None


class RequestIdMiddleware:
    """Gives every request an id (request.id), echoes it in X-Request-ID and binds it, with the
    client's address, for logs and audit rows. The id is generated unless the trusted proxy
    supplied a well-formed one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = _incoming_request_id(request) or uuid.uuid4().hex
        # Bound until the response is closed (request_finished), because Django logs 4xx/5xx
        # responses after the middleware chain has returned.
        bind_request(request.id, client_ip(request))
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


@receiver(request_finished, dispatch_uid="ehab_unbind_request")
def _unbind_request(sender, **kwargs):
    unbind_request()


class NoStoreMiddleware:
    """Marks every dynamic response `Cache-Control: no-store, private`.

    Static files are answered earlier by WhiteNoise and keep their long cache headers; every page
    that passes here may carry health information or a CSRF token, so no cache may keep it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
        patch_vary_headers(response, ("Cookie",))
        return response


class MethodNotAllowedPageMiddleware:
    """Django answers a method a view does not take (require_POST, a class view without `get`,
    allauth's views) with an empty 405; people get the site's own page instead. Innermost, so
    the page renders with the signed-in person and the CSP nonce like any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            return method_not_allowed(request, response)
        return response
