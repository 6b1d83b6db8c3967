"""Stripe for the payments tests: never the real one.

Every test in the suite has the SDK pointed at a closed local port (tests/conftest.py), so a
call nobody meant to make fails fast instead of reaching api.stripe.com. A test that takes
`fake_stripe` gets a local
fake of Stripe's REST API instead (tests/payments/fake_stripe.py), reached through the real
SDK over a real HTTP connection; everything is put back afterwards.
"""

import importlib.util

import pytest
import stripe

from tests.conftest import STRIPE_API_BASES as _API_BASES

from .fake_stripe import FakeStripe


def _http_client() -> stripe.HTTPClient:
    """The SDK's own default client (requests when installed), with a session that ignores
    proxy settings from the environment, so 127.0.0.1 is always reached directly."""
    if importlib.util.find_spec("requests") is not None:
        import requests

        session = requests.Session()
        session.trust_env = False
        return stripe.RequestsClient(session=session)
    return stripe.UrllibClient()


@pytest.fixture
def fake_stripe(monkeypatch, _no_real_stripe):
    """A running FakeStripe; the SDK talks to it for this test. Inspect `fake_stripe.calls`."""
    fake = FakeStripe().start()
    client = _http_client()
    for name in _API_BASES:
        monkeypatch.setattr(stripe, name, fake.base_url)
    monkeypatch.setattr(stripe, "default_http_client", client)
    # No automatic retries: each call the code makes is exactly one recorded request.
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    try:
        yield fake
    finally:
        client.close()
        fake.stop()
