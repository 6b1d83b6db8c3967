"""An administrator adds a clinician by invitation, opens a client's page and puts the new
clinician on the client's care team; axe on every page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from accounts.roles import Role
from care.models import CareAssignment
from notifications.models import Kind, Notification
from tests.conftest import give_totp
from tests.factories import PASSWORD, UserFactory

from .helpers import assert_accessible, enter_totp_code, label, sign_in

pytestmark = pytest.mark.browser

SECRET = "JBSWY3DPEHPK3PXP"  # give_totp's secret


def test_an_admin_invites_a_clinician_and_puts_them_on_a_clients_care_team(page, page_problems):
    admin = UserFactory(role=Role.ADMIN, preferred_name="Ada")
    give_totp(admin)
    client = UserFactory(role=Role.CLIENT, preferred_name="Sam", email="sam.people@example.org")

    sign_in(page, admin.email, PASSWORD)
    enter_totp_code(page, SECRET)
    page.goto(reverse("accounts:console"))
    page.get_by_role("link", name="Add a person by invitation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person")
    assert_accessible(page)
    page.get_by_label(label("Email address")).fill("nia.people@example.org")
    page.get_by_label(label("Preferred name")).fill("Dr. Nia")
    page.get_by_label(label("Role")).select_option(label="Clinician")
    page.get_by_label(label("Time zone")).select_option("America/Chicago")
    page.get_by_role("button", name="Add and send the invitation").click()
    expect(page.get_by_text("Added nia.people@example.org.")).to_be_visible()
    assert_accessible(page)
    nia = User.objects.get(email="nia.people@example.org")
    assert nia.role == Role.CLINICIAN and not nia.has_usable_password()
    assert Notification.objects.filter(user=nia, kind=Kind.INVITATION).count() == 1

    page.get_by_role("link", name="Back to people").click()
    page.get_by_label(label("Email or name contains")).fill("sam.people")
    page.get_by_role("button", name="Find").click()
    assert_accessible(page)
    page.get_by_role("link", name="sam.people@example.org").click()
    expect(page.get_by_text("Nobody follows this client yet.")).to_be_visible()
    page.get_by_label(label("Clinician")).select_option(label="Dr. Nia (nia.people@example.org)")
    page.get_by_role("button", name="Add to the care team").click()
    expect(page.get_by_text("Added to the care team.")).to_be_visible()
    expect(page.get_by_role("button", name="Remove Dr. Nia from the care team")).to_be_visible()
    assert_accessible(page)
    assert CareAssignment.objects.filter(client=client, clinician=nia, is_active=True).exists()
    assert not page_problems
