"""Ids in URLs: a number too large for a key column is a 404, never a database error."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from ehab.converters import RowId

HUGE = "9" * 25


def _routes_with_ids(patterns=None, prefix=""):
    """Every route of the site that takes an <id:...>, as a path template."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        pattern = entry.pattern
        route = prefix + (str(pattern) if isinstance(pattern, RoutePattern) else "")
        if isinstance(entry, URLResolver):
            if isinstance(pattern, RoutePattern):
                yield from _routes_with_ids(entry.url_patterns, route)
        elif (
            isinstance(entry, URLPattern)
            and isinstance(pattern, RoutePattern)
            and any(isinstance(c, RowId) for c in pattern.converters.values())
        ):
            yield route


ROUTES = sorted(set(_routes_with_ids()))


def test_every_id_in_a_url_uses_the_bounded_converter():
    # The course, care and billing pages all name their ids this way (none use <int:...>).
    assert len(ROUTES) >= 11, ROUTES


def test_the_converter_takes_up_to_18_digits():
    assert re.fullmatch(RowId.regex, "9" * 18)
    assert not re.fullmatch(RowId.regex, "9" * 19)
    assert RowId().to_python("0042") == 42
    assert reverse("courses:lesson", args=[42]) == "/me/lessons/42/"


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_huge_id_is_404_for_everyone_who_could_open_the_page(
    route, method, client, client_a, clinician, billing_user, signed_in
):
    path = "/" + re.sub(r"<id:\w+>", HUGE, route).replace("<str:action>", "refund")
    for person in (client_a, clinician, billing_user):
        client.logout()
        signed_in(person)
        assert getattr(client, method)(path).status_code == 404, (person.role, path)
