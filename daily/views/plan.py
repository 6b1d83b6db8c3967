"""The client's DSAP pages (being built)."""

from django.http import Http404


def plan_page(request):
    raise Http404


def plan_edit(request):
    raise Http404
