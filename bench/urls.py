"""The site's URLs plus a floor page: a minimal view that renders the base template."""

from django.shortcuts import render
from django.urls import include, path


def floor(request):
    return render(request, "base.html")


urlpatterns = [
    path("__bench__/floor/", floor, name="bench_floor"),
    path("", include("ehab.urls")),
]
