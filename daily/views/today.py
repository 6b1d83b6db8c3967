"""The Kitchen Table check-in pages (being built)."""

from django.http import Http404


def today(request):
    raise Http404


def checkin_day(request, day):
    raise Http404
