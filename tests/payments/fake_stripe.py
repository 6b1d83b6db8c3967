"""A small, honest local fake of Stripe's v1 REST API: a real HTTP server on 127.0.0.1.

The real `stripe` SDK talks to it over a real socket, so everything between our code and the
wire (parameter encoding, headers, idempotency keys, response parsing, error classes) is the
SDK's own. Only the far side is fake. It models the part of the API E-Hab uses:

    POST   /v1/products                    GET /v1/products/{id}
    POST   /v1/prices      GET /v1/prices  GET /v1/prices/{id}     (lookup keys, transfer)
    POST   /v1/customers                   GET /v1/customers/{id}
    POST   /v1/checkout/sessions           GET /v1/checkout/sessions/{id}
    POST   /v1/checkout/sessions/{id}/expire
    POST   /v1/billing_portal/sessions
    POST   /v1/refunds                     GET /v1/refunds/{id}
    GET    /v1/subscriptions/{id}          DELETE /v1/subscriptions/{id}  (cancel)
    GET    /v1/payment_intents/{id}
    GET    /pay/{id}, POST /pay/{id}       the hosted Checkout page (no key needed)
    GET    /portal/{id}                    the hosted Customer Portal page (no key needed)

As Stripe does, it: requires `Authorization: Bearer sk_test_…` (401 otherwise; live keys are
refused); parses form bodies and query strings with nested keys (`line_items[0][price]`) into
dicts and lists; rejects parameters it does not know (400 "Received unknown parameter");
honours `Idempotency-Key` on POST only (the same key and the same request replay the stored
response with `Idempotent-Replayed: true`; the same key with a different request is a 400
idempotency_error; keys sent on GET and DELETE have no effect); answers errors as
`{"error": {"type", "message", "code", "param"}}`; supports `expand` of id fields.

Every request is recorded in `calls` (method, path, headers without the key, parsed params,
status, response) so a test can inspect everything that was sent to Stripe.

Paying a subscription's Checkout Session pays its first invoice (the session's `invoice`);
`renew_subscription` is a month passing (the next invoice, paid), and `event` wraps any object
in the envelope Stripe POSTs to a webhook, in the current API shape.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

_ALNUM = string.ascii_letters + string.digits


class StripeHTTPError(Exception):
    """An error answer in Stripe's shape."""

    def __init__(
        self, status: int, message: str, *, type_="invalid_request_error", code=None, param=None
    ):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message}}
        if code:
            self.body["error"]["code"] = code
            self.body["error"]["doc_url"] = f"https://stripe.com/docs/error-codes/{code}"
        if param:
            self.body["error"]["param"] = param


def _missing(kind: str, object_id: str, param: str = "id") -> StripeHTTPError:
    return StripeHTTPError(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def _bad(message: str, param: str | None = None, code: str | None = None) -> StripeHTTPError:
    return StripeHTTPError(400, message, param=param, code=code)


# --- Form decoding --------------------------------------------------------------------------

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def decode_params(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`[("line_items[0][price]", "p"), ("expand[0]", "x")]` → nested dicts and lists, the way
    Stripe reads the SDK's form encoding. Values stay strings, as they are on the wire."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if not match:
            raise _bad(f"Invalid parameter name: {raw_key}", param=raw_key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # `expand[]=x`: append
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise _bad(f"Invalid parameter: {raw_key}", param=raw_key)
                node = child
    return _listify(root)


def _listify(node: Any) -> Any:
    """Dicts keyed 0..n-1 become lists (Stripe's SDK always indexes arrays)."""
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        indexes = sorted(int(k) for k in node)
        if indexes == list(range(len(indexes))):
            return [node[str(i)] for i in indexes]
    return node


def _check_params(params: dict, allowed: dict, prefix: str = "") -> None:
    """Reject parameters this endpoint does not take. `allowed` maps a name to None (a scalar
    or free-form value such as metadata) or to a nested `allowed` for objects and lists of
    objects."""
    for name, value in params.items():
        full = f"{prefix}[{name}]" if prefix else name
        if name not in allowed:
            raise _bad(f"Received unknown parameter: {full}", param=full)
        spec = allowed[name]
        if spec is None:
            continue
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            where = f"{full}[{index}]" if isinstance(value, list) else full
            if not isinstance(item, dict):
                raise _bad(f"Invalid object: {where}", param=where)
            _check_params(item, spec, where)


def _int(params: dict, name: str, *, required=False, minimum=None) -> int | None:
    if name not in params:
        if required:
            raise _bad(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    raw = params[name]
    if not isinstance(raw, str) or not re.fullmatch(r"-?\d+", raw):
        raise _bad(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")
    value = int(raw)
    if minimum is not None and value < minimum:
        raise _bad(
            f"This value must be greater than or equal to {minimum}.",
            param=name,
            code="parameter_invalid_integer",
        )
    return value


def _bool(params: dict, name: str, default: bool = False) -> bool:
    if name not in params:
        return default
    if params[name] in ("true", "false"):
        return params[name] == "true"
    raise _bad(f"Invalid boolean: {params[name]}", param=name)


def _str(params: dict, name: str, *, required=False, max_length=5000) -> str | None:
    if name not in params or params[name] == "":
        if required:
            raise _bad(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    value = params[name]
    if not isinstance(value, str):
        raise _bad(f"Invalid string: {name}", param=name)
    if len(value) > max_length:
        raise _bad(
            f"Invalid string: {value[:20]}...; must be at most {max_length} characters",
            param=name,
        )
    return value


def _metadata(params: dict, name: str = "metadata") -> dict[str, str]:
    value = params.get(name, {})
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise _bad(f"Invalid object: {name}", param=name)
    if len(value) > 50:
        raise _bad("Metadata can have at most 50 keys.", param=name)
    for key, item in value.items():
        if not isinstance(item, str):
            raise _bad(f"Invalid metadata value for {key}", param=f"{name}[{key}]")
        if len(key) > 40 or len(item) > 500:
            raise _bad(
                "Metadata keys can be at most 40 characters and values at most 500.",
                param=f"{name}[{key}]",
            )
    return {k: v for k, v in value.items() if v != ""}


def _currency(params: dict, name: str = "currency") -> str:
    value = _str(params, name, required=True)
    if not re.fullmatch(r"[a-zA-Z]{3}", value):
        raise _bad(f"Invalid currency: {value}", param=name)
    return value.lower()


# --- Records --------------------------------------------------------------------------------


@dataclass
class Call:
    """One request as Stripe received it."""

    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]
    status: int = 0
    response: Any = None
    replayed: bool = False

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class _Stored:
    method: str
    path: str
    params: dict
    status: int
    body: dict


@dataclass
class _Route:
    method: str
    pattern: re.Pattern
    handler: Any
    allowed: dict = field(default_factory=dict)


_EXPAND = {"expand": None}
_EXPANDABLE = {
    "product": "products",
    "default_price": "prices",
    "customer": "customers",
    "subscription": "subscriptions",
    "payment_intent": "payment_intents",
    "latest_charge": "charges",
    "charge": "charges",
    "latest_invoice": None,
    "invoice": None,
}
_PREFIXES = {
    "prod_": "products",
    "price_": "prices",
    "cus_": "customers",
    "sub_": "subscriptions",
    "in_": "invoices",
    "pi_": "payment_intents",
    "ch_": "charges",
}


class FakeStripe:
    """The fake's state and server. Use `start()`/`stop()` (the `fake_stripe` fixture does)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.products: dict[str, dict] = {}
        self.prices: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.checkout_sessions: dict[str, dict] = {}
        self.portal_sessions: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self._idempotency: dict[str, _Stored] = {}
        self._failures: list[tuple[str | None, StripeHTTPError]] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self._routes = self._build_routes()

    # --- Life cycle ----------------------------------------------------------------------

    def start(self) -> FakeStripe:
        fake = self

        class Handler(_Handler):
            pass

        Handler.fake = fake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-stripe", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # --- Helpers for tests ---------------------------------------------------------------

    def api_calls(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """The recorded /v1 calls, optionally only one method and a path (or its prefix with
        a trailing `*`)."""
        with self._lock:
            found = [c for c in self.calls if c.path.startswith("/v1/")]
        if method:
            found = [c for c in found if c.method == method.upper()]
        if path:
            if path.endswith("*"):
                found = [c for c in found if c.path.startswith(path[:-1])]
            else:
                found = [c for c in found if c.path == path]
        return found

    def complete_session(self, session_id: str, paid: bool = True) -> dict:
        """What happens when the person finishes Checkout. `paid=False` is a delayed payment
        method (complete, but payment_status still "unpaid")."""
        with self._lock:
            session = self.checkout_sessions.get(session_id)
            if session is None:
                raise KeyError(session_id)
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}")
            price = self.prices[session["_price"]]
            email = session["customer_email"] or "client@example.invalid"
            customer = session["customer"]
            if customer is None and (
                session["mode"] == "subscription" or session["customer_creation"] == "always"
            ):
                customer = self._new_customer(email=email)["id"]
            if session["mode"] == "subscription":
                sub = self._new_subscription(
                    customer=customer,
                    price=price,
                    metadata=session["_subscription_metadata"],
                    status="active" if paid else "incomplete",
                )
                invoice = self._new_invoice(sub, reason="subscription_create", paid=paid)
                session["subscription"] = sub["id"]
                session["invoice"] = invoice["id"]
            else:
                intent = self._new_payment_intent(
                    amount=session["amount_total"],
                    currency=session["currency"],
                    customer=customer,
                    metadata=session["_payment_intent_metadata"],
                    succeeded=paid,
                )
                session["payment_intent"] = intent["id"]
            session.update(
                status="complete",
                payment_status="paid" if paid else "unpaid",
                customer=customer,
                customer_details={
                    "email": email,
                    "name": None,
                    "address": None,
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                },
                url=None,
            )
            return self._public(session)

    def renew_subscription(self, subscription_id: str) -> dict:
        """A month passes: the subscription's next invoice, charged and paid. Refused (as
        ValueError) once the subscription has ended: Stripe charges nothing more."""
        with self._lock:
            sub = self.subscriptions[subscription_id]
            if sub["status"] != "active":
                raise ValueError(f"subscription {subscription_id} is {sub['status']}")
            return self._public(self._new_invoice(sub, reason="subscription_cycle", paid=True))

    def event(self, type_: str, obj: dict) -> dict:
        """`obj` as the `data.object` of a webhook event of `type_` (a fresh copy, a new id)."""
        return {
            "id": "evt_" + _rand(24),
            "object": "event",
            "api_version": "2026-07-29.dahlia",
            "created": _now(),
            "data": {"object": json.loads(json.dumps(self._public(obj)))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }

    def expire_session(self, session_id: str) -> dict:
        with self._lock:
            session = self.checkout_sessions[session_id]
            if session["status"] != "open":
                raise ValueError(f"session {session_id} is {session['status']}")
            session.update(status="expired", url=None)
            return self._public(session)

    def fail_next(
        self,
        status: int = 500,
        message: str = "An unknown error occurred",
        *,
        path: str | None = None,
        type_: str = "api_error",
    ) -> None:
        """Answer the next API request (to `path`, if given) with this error instead."""
        with self._lock:
            self._failures.append((path, StripeHTTPError(status, message, type_=type_)))

    def forget_idempotency_keys(self) -> None:
        """Stripe prunes keys after 24 hours; this is that day passing."""
        with self._lock:
            self._idempotency.clear()

    def price_with_lookup_key(self, lookup_key: str) -> dict | None:
        with self._lock:
            for price in self.prices.values():
                if price["lookup_key"] == lookup_key:
                    return price
        return None

    # --- Request handling ----------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes):
        """Returns (status, headers, body bytes, content type)."""
        parts = urlsplit(raw_path)
        path = parts.path
        recorded = {k.lower(): v for k, v in headers.items() if k.lower() != "authorization"}
        call = Call(method=method, path=path, headers=recorded, params={})
        with self._lock:
            self.calls.append(call)
        try:
            if not path.startswith("/v1/"):
                status, extra, page, content_type = self._hosted(method, path, body)
                call.status = status
                return status, extra, page, content_type
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            if method == "POST":
                content_type = headers.get("Content-Type", headers.get("content-type", ""))
                if body and "application/x-www-form-urlencoded" not in content_type:
                    raise _bad("Invalid request: expected a form-encoded body.")
                pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            call.params = decode_params(pairs)
            self._authenticate(headers)
            status, payload, replayed = self._dispatch(method, path, call.params, recorded)
            call.replayed = replayed
        except StripeHTTPError as exc:
            status, payload = exc.status, exc.body
        call.status, call.response = status, payload
        extra = {
            "Request-Id": "req_" + _rand(14),
            "Stripe-Version": recorded.get("stripe-version", ""),
        }
        if call.replayed:
            extra["Idempotent-Replayed"] = "true"
        return status, extra, json.dumps(payload).encode(), "application/json"

    def _authenticate(self, headers: dict[str, str]) -> None:
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        if not auth:
            raise StripeHTTPError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        scheme, _, key = auth.partition(" ")
        if scheme != "Bearer" or not re.fullmatch(r"(sk|rk)_test_\w+", key):
            shown = key[:8] + "*" * max(0, len(key) - 12) + key[-4:] if len(key) > 12 else "***"
            raise StripeHTTPError(401, f"Invalid API Key provided: {shown}")

    def _dispatch(self, method: str, path: str, params: dict, headers: dict):
        route, match = None, None
        for candidate in self._routes:
            found = candidate.pattern.fullmatch(path)
            if found and candidate.method == method:
                route, match = candidate, found
                break
        if route is None:
            raise StripeHTTPError(
                404,
                f"Unrecognized request URL ({method}: {path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
        with self._lock:
            for index, (only, error) in enumerate(self._failures):
                if only is None or only == path:
                    del self._failures[index]
                    raise error
            key = headers.get("idempotency-key") if method == "POST" else None
            if key:
                if len(key) > 255:
                    raise _bad("Idempotency keys are up to 255 characters long.")
                stored = self._idempotency.get(key)
                if stored is not None:
                    if (stored.method, stored.path) != (method, path):
                        raise StripeHTTPError(
                            400,
                            "Keys for idempotent requests can only be used for the same "
                            "endpoint they were first used for. Try using a key other than "
                            f"'{key}' if you meant to execute a different request.",
                            type_="idempotency_error",
                        )
                    if stored.params != params:
                        raise StripeHTTPError(
                            400,
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with. Try using a key other than "
                            f"'{key}' if you meant to execute a different request.",
                            type_="idempotency_error",
                        )
                    return stored.status, json.loads(json.dumps(stored.body)), True
            _check_params(params, route.allowed)
            expand = params.get("expand", [])
            if not isinstance(expand, list):
                raise _bad("Invalid array", param="expand")
            body = route.handler(params, *match.groups())
            body = self._expand(body, expand)
            if key:  # saved only once the endpoint ran, as at Stripe
                self._idempotency[key] = _Stored(method, path, params, 200, body)
            return 200, json.loads(json.dumps(body)), False

    def _hosted(self, method: str, path: str, body: bytes):
        """The pages a browser sees: hosted Checkout and the Customer Portal."""
        match = re.fullmatch(r"/pay/([^/]+)", path)
        with self._lock:
            session = self.checkout_sessions.get(match.group(1)) if match else None
            if session is not None and method == "GET":
                page = (
                    "<!doctype html><html lang=en><title>Fake Stripe Checkout</title>"
                    f"<h1>Pay {session['amount_total']} {session['currency']}</h1>"
                    "<form method=post><button name=action value=pay>Pay</button>"
                    "<button name=action value=cancel>Back</button></form></html>"
                )
                return 200, {}, page.encode(), "text/html; charset=utf-8"
            if session is not None and method == "POST":
                action = dict(parse_qsl(body.decode())).get("action", "pay")
                if action == "pay" and session["status"] == "open":
                    self.complete_session(session["id"])
                target = session["success_url"] if action == "pay" else session["cancel_url"]
                target = (target or "").replace("{CHECKOUT_SESSION_ID}", session["id"])
                return 303, {"Location": target}, b"", "text/plain"
            match = re.fullmatch(r"/portal/([^/]+)", path)
            portal = self.portal_sessions.get(match.group(1)) if match else None
            if portal is not None and method == "GET":
                page = (
                    "<!doctype html><html lang=en><title>Fake Stripe Portal</title>"
                    f"<a href='{html.escape(portal['return_url'] or '')}'>Return</a></html>"
                )
                return 200, {}, page.encode(), "text/html; charset=utf-8"
        return 404, {}, b"Not found", "text/plain"

    # --- Objects -------------------------------------------------------------------------

    def _public(self, obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _expand(self, body: dict, paths: list) -> dict:
        body = json.loads(json.dumps(body))
        for path in paths:
            if not isinstance(path, str) or path.count(".") > 3:
                raise _bad(f"This property cannot be expanded ({path}).", param="expand")
            self._expand_one(body, path.split("."), path)
        return body

    def _expand_one(self, node: Any, parts: list[str], whole: str) -> None:
        head, rest = parts[0], parts[1:]
        if not isinstance(node, dict) or head not in node:
            raise _bad(f"This property cannot be expanded ({whole}).", param="expand")
        if rest:
            value = node[head]
            targets = value if isinstance(value, list) else [value]
            for target in targets:
                if target is not None:
                    self._expand_one(target, rest, whole)
            return
        if head not in _EXPANDABLE:
            raise _bad(f"This property cannot be expanded ({whole}).", param="expand")
        value = node[head]
        if isinstance(value, str):
            store = next((s for p, s in _PREFIXES.items() if value.startswith(p)), None)
            if store is not None and value in getattr(self, store):
                node[head] = self._public(getattr(self, store)[value])

    def _new_customer(self, *, email=None, name=None, metadata=None) -> dict:
        customer = {
            "id": "cus_" + _rand(14),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": _now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": None,
            "email": email,
            "invoice_prefix": _rand(8).upper(),
            "livemode": False,
            "metadata": metadata or {},
            "name": name,
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
        }
        self.customers[customer["id"]] = customer
        return customer

    def _new_subscription(self, *, customer, price, metadata, status) -> dict:
        sub_id = "sub_" + _rand(24)
        now = _now()
        item = {
            "id": "si_" + _rand(14),
            "object": "subscription_item",
            "created": now,
            "metadata": {},
            "price": self._public(price),
            "quantity": 1,
            "subscription": sub_id,
            "current_period_start": now,
            "current_period_end": now + 30 * 86400,
        }
        sub = {
            "id": sub_id,
            "object": "subscription",
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "cancellation_details": {"comment": None, "feedback": None, "reason": None},
            "collection_method": "charge_automatically",
            "created": now,
            "currency": price["currency"],
            "customer": customer,
            "ended_at": None,
            "items": {
                "object": "list",
                "data": [item],
                "has_more": False,
                "total_count": 1,
                "url": f"/v1/subscription_items?subscription={sub_id}",
            },
            "latest_invoice": "in_" + _rand(24),
            "livemode": False,
            "metadata": metadata,
            "start_date": now,
            "status": status,
        }
        self.subscriptions[sub_id] = sub
        return sub

    def _new_invoice(self, sub: dict, *, reason: str, paid: bool) -> dict:
        """An invoice of a subscription for one period of its (one) price, in the basil shape:
        the subscription and its metadata under parent.subscription_details."""
        price = sub["items"]["data"][0]["price"]
        amount = price["unit_amount"]
        invoice = {
            "id": "in_" + _rand(24),
            "object": "invoice",
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "amount_remaining": 0 if paid else amount,
            "billing_reason": reason,
            "collection_method": "charge_automatically",
            "created": _now(),
            "currency": price["currency"],
            "customer": sub["customer"],
            "customer_email": self.customers.get(sub["customer"] or "", {}).get("email"),
            "customer_name": None,
            "livemode": False,
            "parent": {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(sub["metadata"]),
                    "subscription": sub["id"],
                },
            },
            "status": "paid" if paid else "open",
        }
        self.invoices[invoice["id"]] = invoice
        sub["latest_invoice"] = invoice["id"]
        return invoice

    def _new_payment_intent(self, *, amount, currency, customer, metadata, succeeded) -> dict:
        intent_id = "pi_" + _rand(24)
        charge = None
        if succeeded:
            charge = {
                "id": "ch_" + _rand(24),
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "captured": True,
                "currency": currency,
                "customer": customer,
                "livemode": False,
                "paid": True,
                "payment_intent": intent_id,
                "refunded": False,
                "status": "succeeded",
                "metadata": {},
                "created": _now(),
            }
            self.charges[charge["id"]] = charge
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount if succeeded else 0,
            "created": _now(),
            "currency": currency,
            "customer": customer,
            "latest_charge": charge["id"] if charge else None,
            "livemode": False,
            "metadata": metadata,
            "status": "succeeded" if succeeded else "processing",
        }
        self.payment_intents[intent_id] = intent
        return intent

    # --- Endpoints -----------------------------------------------------------------------

    def _build_routes(self) -> list[_Route]:
        def route(method, path, handler, allowed=None):
            pattern = re.compile(path.replace("{id}", r"([^/]+)"))
            return _Route(method, pattern, handler, {**_EXPAND, **(allowed or {})})

        return [
            route(
                "POST",
                "/v1/products",
                self._product_create,
                {
                    "name": None,
                    "statement_descriptor": None,
                    "metadata": None,
                    "description": None,
                    "active": None,
                    "unit_label": None,
                },
            ),
            route("GET", "/v1/products/{id}", self._retrieve("products", "product")),
            route(
                "POST",
                "/v1/prices",
                self._price_create,
                {
                    "product": None,
                    "unit_amount": None,
                    "currency": None,
                    "lookup_key": None,
                    "transfer_lookup_key": None,
                    "metadata": None,
                    "nickname": None,
                    "active": None,
                    "recurring": {"interval": None, "interval_count": None},
                },
            ),
            route(
                "GET",
                "/v1/prices",
                self._price_list,
                {
                    "lookup_keys": None,
                    "product": None,
                    "active": None,
                    "currency": None,
                    "type": None,
                    "limit": None,
                },
            ),
            route("GET", "/v1/prices/{id}", self._retrieve("prices", "price")),
            route(
                "POST",
                "/v1/customers",
                self._customer_create,
                {
                    "email": None,
                    "name": None,
                    "metadata": None,
                },
            ),
            route("GET", "/v1/customers/{id}", self._retrieve("customers", "customer")),
            route(
                "POST",
                "/v1/checkout/sessions",
                self._checkout_create,
                {
                    "mode": None,
                    "line_items": {"price": None, "quantity": None},
                    "client_reference_id": None,
                    "metadata": None,
                    "success_url": None,
                    "cancel_url": None,
                    "customer": None,
                    "customer_email": None,
                    "customer_creation": None,
                    "invoice_creation": {"enabled": None},
                    "subscription_data": {"metadata": None, "description": None},
                    "payment_intent_data": {"metadata": None, "description": None},
                },
            ),
            route(
                "GET",
                "/v1/checkout/sessions/{id}",
                self._retrieve("checkout_sessions", "checkout.session"),
            ),
            route("POST", "/v1/checkout/sessions/{id}/expire", self._checkout_expire),
            route(
                "POST",
                "/v1/billing_portal/sessions",
                self._portal_create,
                {
                    "customer": None,
                    "return_url": None,
                    "locale": None,
                },
            ),
            route(
                "POST",
                "/v1/refunds",
                self._refund_create,
                {
                    "payment_intent": None,
                    "charge": None,
                    "amount": None,
                    "reason": None,
                    "metadata": None,
                },
            ),
            route("GET", "/v1/refunds/{id}", self._retrieve("refunds", "refund")),
            route("GET", "/v1/subscriptions/{id}", self._retrieve("subscriptions", "subscription")),
            route(
                "DELETE",
                "/v1/subscriptions/{id}",
                self._subscription_cancel,
                {
                    "invoice_now": None,
                    "prorate": None,
                    "cancellation_details": {"comment": None, "feedback": None},
                },
            ),
            route(
                "GET",
                "/v1/payment_intents/{id}",
                self._retrieve("payment_intents", "payment_intent"),
            ),
        ]

    def _retrieve(self, store: str, kind: str):
        def handler(params, object_id):
            obj = getattr(self, store).get(object_id)
            if obj is None:
                raise _missing(kind, object_id)
            return self._public(obj)

        return handler

    def _product_create(self, params):
        name = _str(params, "name", required=True)
        descriptor = _str(params, "statement_descriptor")
        if descriptor is not None and (
            not 5 <= len(descriptor) <= 22
            or not re.search(r"[A-Za-z]", descriptor)
            or re.search(r"[<>\\'\"*]", descriptor)
        ):
            raise _bad(
                "The statement descriptor must be between 5 and 22 characters, contain at "
                "least one letter, and not contain any of the special characters < > \\ ' \" *.",
                param="statement_descriptor",
            )
        now = _now()
        product = {
            "id": "prod_" + _rand(14),
            "object": "product",
            "active": _bool(params, "active", True),
            "created": now,
            "default_price": None,
            "description": _str(params, "description"),
            "images": [],
            "livemode": False,
            "marketing_features": [],
            "metadata": _metadata(params),
            "name": name,
            "package_dimensions": None,
            "shippable": None,
            "statement_descriptor": descriptor,
            "tax_code": None,
            "type": "service",
            "unit_label": _str(params, "unit_label"),
            "updated": now,
            "url": None,
        }
        self.products[product["id"]] = product
        return self._public(product)

    def _price_create(self, params):
        product_id = _str(params, "product", required=True)
        if product_id not in self.products:
            raise _missing("product", product_id, "product")
        unit_amount = _int(params, "unit_amount", required=True, minimum=0)
        currency = _currency(params)
        lookup_key = _str(params, "lookup_key", max_length=200)
        transfer = _bool(params, "transfer_lookup_key")
        recurring = None
        if "recurring" in params:
            spec = params["recurring"]
            interval = spec.get("interval")
            if interval not in ("day", "week", "month", "year"):
                raise _bad(
                    "Invalid recurring[interval]: must be one of day, week, month, or year",
                    param="recurring[interval]",
                )
            recurring = {
                "interval": interval,
                "interval_count": _int(spec, "interval_count", minimum=1) or 1,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
        if lookup_key is not None:
            holder = self.price_with_lookup_key(lookup_key)
            if holder is not None:
                if not transfer:
                    raise _bad(
                        f"A price (`{holder['id']}`) already uses that lookup key.",
                        param="lookup_key",
                    )
                holder["lookup_key"] = None
        price = {
            "id": "price_" + _rand(24),
            "object": "price",
            "active": _bool(params, "active", True),
            "billing_scheme": "per_unit",
            "created": _now(),
            "currency": currency,
            "custom_unit_amount": None,
            "livemode": False,
            "lookup_key": lookup_key,
            "metadata": _metadata(params),
            "nickname": _str(params, "nickname"),
            "product": product_id,
            "recurring": recurring,
            "tax_behavior": "unspecified",
            "tiers_mode": None,
            "transform_quantity": None,
            "type": "recurring" if recurring else "one_time",
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
            "_seq": len(self.prices),
        }
        self.prices[price["id"]] = price
        return self._public(price)

    def _price_list(self, params):
        found = sorted(self.prices.values(), key=lambda p: p["_seq"], reverse=True)
        lookup_keys = params.get("lookup_keys")
        if lookup_keys is not None:
            if not isinstance(lookup_keys, list) or len(lookup_keys) > 10:
                raise _bad("lookup_keys must be an array of at most 10 keys.", "lookup_keys")
            found = [p for p in found if p["lookup_key"] in lookup_keys]
        if "product" in params:
            found = [p for p in found if p["product"] == params["product"]]
        if "active" in params:
            active = _bool(params, "active")
            found = [p for p in found if p["active"] == active]
        if "currency" in params:
            found = [p for p in found if p["currency"] == _currency(params)]
        if "type" in params:
            found = [p for p in found if p["type"] == params["type"]]
        limit = _int(params, "limit", minimum=1) or 10
        if limit > 100:
            raise _bad("Invalid limit: must be at most 100", param="limit")
        return {
            "object": "list",
            "data": [self._public(p) for p in found[:limit]],
            "has_more": len(found) > limit,
            "url": "/v1/prices",
        }

    def _customer_create(self, params):
        customer = self._new_customer(
            email=_str(params, "email"), name=_str(params, "name"), metadata=_metadata(params)
        )
        return self._public(customer)

    def _checkout_create(self, params):
        mode = _str(params, "mode", required=True)
        if mode not in ("payment", "subscription"):
            raise _bad(
                f"Invalid mode: fake_stripe models payment and subscription, not {mode}",
                param="mode",
            )
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise _bad(
                "line_items is required in `payment` and `subscription` mode.",
                param="line_items",
                code="parameter_missing",
            )
        if len(items) != 1:
            raise _bad("fake_stripe models one line item per session.", param="line_items")
        item = items[0]
        price_id = _str(item, "price", required=True)
        price = self.prices.get(price_id)
        if price is None:
            raise _missing("price", price_id, "line_items[0][price]")
        if not price["active"]:
            raise _bad(
                "The price specified is inactive. This field only accepts active prices.",
                param="line_items[0][price]",
            )
        if "quantity" not in item:
            raise _bad(
                "Quantity is required. Add `quantity` to `line_items[0]`",
                param="line_items[0][quantity]",
            )
        quantity = _int(item, "quantity", minimum=1)
        if mode == "payment" and price["recurring"]:
            raise _bad(
                "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices.",
                param="mode",
            )
        if mode == "subscription" and not price["recurring"]:
            raise _bad(
                "You must provide at least one recurring price in `subscription` mode when "
                "using prices.",
                param="line_items",
            )
        if mode == "subscription" and "payment_intent_data" in params:
            raise _bad(
                "You can not pass `payment_intent_data` in `subscription` mode.",
                param="payment_intent_data",
            )
        if mode == "payment" and "subscription_data" in params:
            raise _bad(
                "You can not pass `subscription_data` in `payment` mode.", param="subscription_data"
            )
        customer = _str(params, "customer")
        email = _str(params, "customer_email")
        if customer and email:
            raise _bad(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer",
            )
        if customer and customer not in self.customers:
            raise _missing("customer", customer, "customer")
        creation = _str(params, "customer_creation")
        if creation is not None and (
            mode != "payment" or creation not in ("always", "if_required")
        ):
            raise _bad(
                "customer_creation can only be used in `payment` mode.", param="customer_creation"
            )
        for name in ("success_url", "cancel_url"):
            url = _str(params, name)
            if url is not None and not re.match(r"https?://", url):
                raise _bad("Not a valid URL", param=name, code="url_invalid")
        session_id = "cs_test_" + _rand(58)
        amount = price["unit_amount"] * quantity
        now = _now()
        session = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": _str(params, "cancel_url"),
            "client_reference_id": _str(params, "client_reference_id", max_length=200),
            "created": now,
            "currency": price["currency"],
            "customer": customer,
            "customer_creation": (creation or "if_required") if mode == "payment" else "always",
            "customer_details": None,
            "customer_email": email,
            "expires_at": now + 86400,
            "invoice": None,
            "livemode": False,
            "locale": None,
            "metadata": _metadata(params),
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "success_url": _str(params, "success_url"),
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.base_url}/pay/{session_id}",
            "_price": price_id,
            "_subscription_metadata": _metadata(params.get("subscription_data", {})),
            "_payment_intent_metadata": _metadata(params.get("payment_intent_data", {})),
        }
        self.checkout_sessions[session_id] = session
        return self._public(session)

    def _portal_create(self, params):
        customer = _str(params, "customer", required=True)
        if customer not in self.customers:
            raise _missing("customer", customer, "customer")
        return_url = _str(params, "return_url")
        if return_url is not None and not re.match(r"https?://", return_url):
            raise _bad("Not a valid URL", param="return_url", code="url_invalid")
        portal_id = "bps_" + _rand(24)
        portal = {
            "id": portal_id,
            "object": "billing_portal.session",
            "configuration": "bpc_fake",
            "created": _now(),
            "customer": customer,
            "flow": None,
            "livemode": False,
            "locale": _str(params, "locale"),
            "on_behalf_of": None,
            "return_url": return_url,
            "url": f"{self.base_url}/portal/{portal_id}",
        }
        self.portal_sessions[portal_id] = portal
        return dict(portal)

    def _refund_create(self, params):
        intent_id = _str(params, "payment_intent")
        if intent_id is None or "charge" in params:
            raise _bad("fake_stripe models refunds by payment_intent only.", param="payment_intent")
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise _missing("payment_intent", intent_id, "payment_intent")
        charge = self.charges.get(intent["latest_charge"] or "")
        if charge is None or intent["status"] != "succeeded":
            raise _bad(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
            )
        left = charge["amount"] - charge["amount_refunded"]
        if left <= 0:
            raise _bad(
                f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded"
            )
        amount = _int(params, "amount", minimum=1)
        amount = left if amount is None else amount
        if amount > left:
            raise _bad(
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                param="amount",
            )
        reason = _str(params, "reason")
        if reason not in (None, "duplicate", "fraudulent", "requested_by_customer"):
            raise _bad(f"Invalid reason: {reason}", param="reason")
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        refund = {
            "id": "re_" + _rand(24),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": _now(),
            "currency": charge["currency"],
            "metadata": _metadata(params),
            "payment_intent": intent_id,
            "reason": reason,
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        return dict(refund)

    def _checkout_expire(self, params, session_id):
        session = self.checkout_sessions.get(session_id)
        if session is None:
            raise _missing("checkout.session", session_id)
        if session["status"] != "open":
            raise _bad(
                "Only Checkout Sessions with a status of `open` can be expired.",
                code="checkout_session_not_open",
            )
        session.update(status="expired", url=None)
        return self._public(session)

    def _subscription_cancel(self, params, sub_id):
        sub = self.subscriptions.get(sub_id)
        # At Stripe a canceled subscription is gone for this endpoint: "No such subscription".
        if sub is None or sub["status"] in ("canceled", "incomplete_expired"):
            raise _missing("subscription", sub_id)
        now = _now()
        sub.update(
            status="canceled",
            canceled_at=now,
            ended_at=now,
            cancellation_details={
                "comment": None,
                "feedback": None,
                "reason": "cancellation_requested",
            },
        )
        return self._public(sub)


def _rand(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def _now() -> int:
    return int(time.time())


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStripe
    protocol_version = "HTTP/1.0"  # one request per connection: shutdown never waits

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload, content_type = self.fake.handle(
            self.command, self.path, dict(self.headers.items()), body
        )
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _serve

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass
