"""A lapse and its chain analysis (being built)."""

from django.http import Http404


def lapse_new(request):
    raise Http404


def lapse_chain(request, lapse_id):
    raise Http404
