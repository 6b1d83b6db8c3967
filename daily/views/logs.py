"""The urge log, the body practice log and the parts journal (being built)."""

from django.http import Http404


def urge_new(request):
    raise Http404


def practice_new(request):
    raise Http404


def parts_journal(request):
    raise Http404
