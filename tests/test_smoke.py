from django.urls import reverse


def test_the_sign_in_page_renders(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b"<title>E-Hab</title>" in response.content


def test_each_role_lands_on_its_home(signed_in, client_a, clinician, billing_user, admin_user):
    expected = {
        client_a: reverse("courses:dashboard"),
        clinician: reverse("care:caseload"),
        billing_user: reverse("billing:console"),
        admin_user: reverse("accounts:console"),
    }
    for user, home in expected.items():
        client = signed_in(user)
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == home
        assert client.get(home).status_code == 200
        client.logout()
