"""The three agreements on the plan form are documents on the site: public, linked from the form,
and shown at the version an acceptance records."""

import re

import pytest
from django.urls import reverse

from accounts.models import AgreementAcceptance
from payments.agreements import AGREEMENT_VERSION, SLUGS, agreement_find
from payments.models import Plan
from payments.views import join as join_views
from tests.conftest import sign_in
from tests.factories import TrackFactory

pytestmark = pytest.mark.django_db
Document = AgreementAcceptance.Document
NEW_TAB_LINK = re.compile(r'<a href="([^"]+)" target="_blank" rel="noopener">([^<]+)</a>')


@pytest.fixture
def plan():
    return Plan.objects.create(
        slug="core-full", track=TrackFactory(), kind="full", installments=1, amount="3000.00"
    )


def test_each_agreement_on_the_plan_form_links_to_its_page_at_the_version_recorded(
    client, client_a, plan
):
    form = sign_in(client, client_a).get(reverse("join:plan", args=[plan.slug]))
    links = dict((text, href) for href, text in NEW_TAB_LINK.findall(form.content.decode()))

    assert links == {
        "Read the telehealth consent (opens in a new tab)": (
            f"/join/agreements/telehealth-consent/{AGREEMENT_VERSION}/"
        ),
        "Read the privacy notice (opens in a new tab)": (
            f"/join/agreements/privacy-notice/{AGREEMENT_VERSION}/"
        ),
        "Read the crisis disclaimer (opens in a new tab)": (
            f"/join/agreements/crisis-disclaimer/{AGREEMENT_VERSION}/"
        ),
    }
    client.logout()  # readable signed out
    for href in links.values():
        page = client.get(href)
        assert page.status_code == 200, href
        text = page.content.decode()
        assert f"Version {AGREEMENT_VERSION}</p>" in text, href
        assert "earlier version" not in text
        assert 'href="tel:988"' in text and 'href="tel:911"' in text, href


@pytest.mark.parametrize("document", Document.values)
def test_every_agreement_has_a_text_for_the_version_acceptances_record(document):
    assert agreement_find(slug=SLUGS[document], version=AGREEMENT_VERSION) is not None


@pytest.mark.parametrize(
    ("slug", "heading", "words"),
    [
        ("telehealth-consent", "Consent to care through telehealth", ["Florida", "stop"]),
        ("privacy-notice", "How E-Hab keeps your information private", ["Stripe", "trackers"]),
        ("crisis-disclaimer", "E-Hab is not an emergency service", ["988", "911", "press 1"]),
    ],
)
def test_the_current_version_is_at_the_document_address_for_anyone(client, slug, heading, words):
    page = client.get(reverse("join:agreement", args=[slug]))

    assert page.status_code == 200
    text = page.content.decode()
    assert f'<h1 id="agreement-title">{heading}</h1>' in text
    assert f"Version {AGREEMENT_VERSION}</p>" in text
    for word in words:
        assert word in text, word
    assert "not a substitute" in text or "not an emergency service" in text


def test_the_practice_hours_come_from_its_settings(client, settings):
    settings.EHAB_PRACTICE_HOURS = "Tuesday to Saturday, 10am to 6pm Eastern"

    page = client.get(reverse("join:agreement", args=["crisis-disclaimer"]))

    assert "Tuesday to Saturday, 10am to 6pm Eastern" in page.content.decode()


def test_an_earlier_version_stays_readable_and_points_to_the_current_one(client, monkeypatch):
    monkeypatch.setattr(join_views, "AGREEMENT_VERSION", "2027-05")

    page = client.get(reverse("join:agreement_version", args=["privacy-notice", "2026-11"]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Version 2026-11</p>" in text
    assert "This is an earlier version" in text
    assert 'href="/join/agreements/privacy-notice/2027-05/"' in text


@pytest.mark.parametrize(
    "path",
    [
        "/join/agreements/terms/",
        "/join/agreements/privacy_notice/",
        "/join/agreements/_document/",
        "/join/agreements/privacy-notice/1999-01/",
        "/join/agreements/privacy-notice/_document/",
        "/join/agreements/privacy-notice/..%2F_document/",
    ],
)
def test_an_unknown_document_or_version_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_the_documents_answer_get_only(client):
    url = reverse("join:agreement", args=["privacy-notice"])

    assert client.post(url).status_code == 405
