"""The client's billing pages: "update card" answers a GET (a refresh, a bookmark) by going back
to the billing page, never with a blank 405; everyone else still gets 404."""

from django.urls import reverse


def test_opening_the_update_card_address_goes_back_to_the_billing_page(client, client_a, signed_in):
    signed_in(client_a)
    response = client.get(reverse("my_billing:portal"))
    assert response.status_code == 302
    assert response["Location"] == reverse("my_billing:account")


def test_update_card_is_still_404_for_staff(client, clinician, signed_in):
    signed_in(clinician)
    assert client.get(reverse("my_billing:portal")).status_code == 404
    assert client.post(reverse("my_billing:portal")).status_code == 404


def test_update_card_asks_a_stranger_to_sign_in(client, db):
    response = client.get(reverse("my_billing:portal"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
