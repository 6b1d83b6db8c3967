"""Project-wide middleware: request ids and the client's address, no-store caching and the site's
own 405 page."""

import uuid

from django.http import HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers, patch_vary_headers

from core.request_context import bind_request, client_ip, incoming_request_id

from .errors import method_not_allowed


class RequestIdMiddleware:
    """Gives every request an id (request.id), echoes it in X-Request-ID and binds it, with the
    client's address, for logs and audit rows. The id is generated unless the trusted proxy
    supplied a well-formed one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = incoming_request_id(request) or uuid.uuid4().hex
        # Unbound when the response is closed (ehab/apps.py).
        bind_request(request.id, client_ip(request))
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


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
