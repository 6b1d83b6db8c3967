"""Message links, one-click unsubscribe and the preferences page."""

from django.urls import reverse

from audit.selectors import audit_denials_counted
from notifications.models import Channel, Kind, Notification, Preference


def test_a_message_link_takes_its_recipient_to_the_page(client, client_a, signed_in):
    n = Notification.objects.create(
        user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="x", link_target="courses:dashboard"
    )
    signed_in(client_a)
    response = client.get(reverse("notifications:link", args=[n.link_token]))
    assert response["Location"] == reverse("courses:dashboard")


def test_a_signed_out_recipient_signs_in_first_and_comes_back(client, client_a):
    n = Notification.objects.create(user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="x")
    response = client.get(reverse("notifications:link", args=[n.link_token]))
    assert response["Location"].startswith(reverse("account_login"))
    assert n.link_token in response["Location"]


def test_someone_elses_link_is_404_and_audited(client, client_a, client_b, signed_in):
    n = Notification.objects.create(user=client_a, kind=Kind.MODULE_RELEASED, dedupe_key="x")
    signed_in(client_b)
    assert client.get(reverse("notifications:link", args=[n.link_token])).status_code == 404
    assert client.get(reverse("notifications:link", args=["nope"])).status_code == 404
    assert audit_denials_counted(actor_id=client_b.pk) == 2


def test_unsubscribe_needs_no_sign_in_and_asks_before_acting(client, client_a):
    pref = Preference.objects.create(user=client_a, kind=Kind.MODULE_RELEASED)
    url = reverse("notifications:unsubscribe", args=[pref.unsubscribe_token])
    assert "Stop these messages?" in client.get(url).content.decode()
    pref.refresh_from_db()
    assert pref.channel == Channel.EMAIL  # a link scanner's GET changes nothing
    assert "Done" in client.post(url).content.decode()
    pref.refresh_from_db()
    assert pref.channel == Channel.NONE
    assert client.get(reverse("notifications:unsubscribe", args=["nope"])).status_code == 404


def test_the_preferences_page_saves_channels_and_quiet_hours(client, client_a, signed_in):
    signed_in(client_a)
    data = {
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "reminder_time": "20:15",
        "kind_module_released": "email",
        "kind_module_not_started": "none",
        "kind_module_not_finished": "none",
        "kind_checkin_reminder": "email",
        "kind_inactivity_nudge": "email",
    }
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    prefs = dict(Preference.objects.filter(user=client_a).values_list("kind", "channel"))
    assert prefs[Kind.MODULE_NOT_STARTED] == Channel.NONE
    assert prefs[Kind.CHECKIN_REMINDER] == Channel.EMAIL
    settings_row = client_a.delivery_settings
    assert settings_row.quiet_start.strftime("%H:%M") == "22:00"


def test_bad_preferences_input_is_refused_with_a_message(client, client_a, signed_in):
    signed_in(client_a)
    response = client.post(
        reverse("notifications:preferences"),
        {
            "quiet_start": "25:99",
            "quiet_end": "x",
            "reminder_time": "\x00",
            "kind_module_released": "carrier-pigeon",
        },  # fmt: skip
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Preference.objects.filter(user=client_a).exists()
