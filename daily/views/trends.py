"""The client's trends page (being built)."""

from django.http import Http404


def trends_page(request):
    raise Http404
