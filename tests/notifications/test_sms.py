"""The SMS transport, with only the provider's side of the network faked."""

import pytest

from notifications.transports import Message, PermanentError, TransientError, sms

MESSAGE = Message(to="+13055550123", subject="", text="", html="", sms="Something is ready.")


@pytest.fixture
def twilio(settings, monkeypatch):
    settings.SMS_ENABLED = True
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = "secret"  # noqa: S105
    settings.TWILIO_FROM_NUMBER = "+13055550000"
    calls = []

    def respond_with(status, payload):
        def fake_post(url, data, auth, timeout):
            calls.append((url, data))
            return status, payload

        monkeypatch.setattr(sms, "_post", fake_post)

    respond_with.calls = calls
    return respond_with


def test_a_text_is_sent_with_only_the_neutral_body(twilio):
    twilio(201, {"sid": "SM1"})
    assert sms.send(MESSAGE) == "SM1"
    url, data = twilio.calls[0]
    assert url.endswith("/Accounts/AC123/Messages.json")
    assert data == {"To": "+13055550123", "From": "+13055550000", "Body": "Something is ready."}


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_provider_errors_are_transient(twilio, status):
    twilio(status, {})
    with pytest.raises(TransientError):
        sms.send(MESSAGE)


@pytest.mark.parametrize("status", [400, 401, 404])
def test_refusals_are_permanent(twilio, status):
    twilio(status, {"code": 21211})
    with pytest.raises(PermanentError):
        sms.send(MESSAGE)


def test_sms_is_off_unless_enabled(settings):
    settings.SMS_ENABLED = False
    with pytest.raises(PermanentError):
        sms.send(MESSAGE)
