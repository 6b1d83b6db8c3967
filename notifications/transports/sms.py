"""SMS through Twilio's REST API: the one module that talks to the SMS provider.

Off unless SMS_ENABLED and the Twilio credentials are set. Tests replace `_post` (the far side
of the network) and nothing else.
"""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from . import Message, PermanentError, TransientError

API = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"


def _post(url: str, data: dict, auth: str, timeout: float) -> tuple[int, dict]:
    """POST a form to the provider; returns (status, JSON body). The network boundary."""
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(  # noqa: S310 - fixed https URL
        url,
        data=body,
        headers={"Authorization": f"Basic {auth}", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read() or b"{}")
        except ValueError:
            payload = {}
        return exc.code, payload


def send(message: Message) -> str:
    """Send one text message; returns the provider's message id."""
    if not settings.SMS_ENABLED:
        raise PermanentError("sms is not enabled")
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    auth = base64.b64encode(f"{sid}:{token}".encode()).decode()
    try:
        status, payload = _post(
            API.format(sid=sid),
            {"To": message.to, "From": settings.TWILIO_FROM_NUMBER, "Body": message.sms},
            auth,
            timeout=10,
        )
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise TransientError(type(exc).__name__) from exc
    if 200 <= status < 300 and payload.get("sid"):
        return str(payload["sid"])
    if status == 429 or status >= 500:
        raise TransientError(f"provider {status}")
    raise PermanentError(f"provider {status} code {payload.get('code', '')}")
