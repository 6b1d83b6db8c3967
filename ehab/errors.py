"""Generic error pages: calm, no stack traces, no detail about what exists."""

from django.http import HttpResponseNotAllowed, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    # Forbidden looks like missing.
    return render(request, "errors/404.html", status=404)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the failure may be in what a context processor needs.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def method_not_allowed(request, response: HttpResponseNotAllowed):
    """The site's own page for a method an address does not take (Django has no handler405, so
    MethodNotAllowedPageMiddleware calls this); the Allow header is kept."""
    page = render(request, "errors/405.html", status=405)
    page["Allow"] = response["Allow"]
    return page
