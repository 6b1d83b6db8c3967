"""Error answers are the site's own calm pages: a request with a method an address does not take
(a GET on a button's address, a bookmarked form target) gets a page that says so, never a blank
405, and the Allow header still names the methods that work. tests/test_url_matrix.py checks the
same page on every POST-only address of the site, as every role that reaches it."""

import pytest
from django.urls import reverse

PAGE = "That address works from a button"


def test_a_get_on_a_post_only_address_shows_the_sites_own_page(client, db):
    response = client.get(reverse("payments:stripe_webhook"))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert PAGE in body and "Nothing was changed" in body
    assert reverse("home") in body
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response


def test_a_signed_in_person_sees_the_page_in_the_site_layout(client, client_a, signed_in):
    from courses.models import ModuleRelease
    from tests.factories import EnrollmentFactory, make_track

    track = make_track(weeks=1, lessons_per_module=1, trauma_weeks=())
    enrollment = EnrollmentFactory(client=client_a, track=track)
    week = track.modules.get()
    ModuleRelease.objects.create(enrollment=enrollment, module=week, reason="schedule")
    signed_in(client_a)
    response = client.get(reverse("courses:module_ready", args=[week.pk]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert PAGE in body
    assert reverse("accounts:profile") in body  # the signed-in navigation of base.html


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_get_the_same_page(client, db, method):
    response = getattr(client, method)(reverse("payments:stripe_webhook"))
    assert response.status_code == 405
    assert PAGE in response.content.decode()
