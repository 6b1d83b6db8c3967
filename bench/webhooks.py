"""The Stripe webhook at volume: `python -m bench.webhooks [--events N] [--no-http]`.

On the PostgreSQL database named by DATABASE_URL: migrates, loads the core-12 curriculum and a
pay-in-full plan, and seeds N pending enrollments (default 2,000) per measured path, each with a
BillingAccount and an open CheckoutSession (as checkout_prepare and checkout_start leave them).
For each it builds a distinct, real-shape `checkout.session.completed` event (the project's own
payment-mode event, tests/payments/stripe_events/2026-07-29.dahlia/, with its own evt_, cs_, pi_,
cus_ and in_ ids and `client_reference_id` set to the session's reference), signed as Stripe
signs, just before it is sent. Then:

1. accept: POSTs them one at a time to /payments/stripe/webhook/ in this process with
   django.test.Client (the whole middleware stack, no network), and a second set through a real
   gunicorn server (one sync worker, as in production) over HTTP on 127.0.0.1;
2. process: applies every stored event with payments.services.webhooks.stripe_event_process, one
   after another, as a single Celery worker would, and checks that every enrollment became active
   exactly once (one BillingStateChange, one Payment, one welcome per account);
3. duplicates: re-posts 10% of the events (Stripe's retries) and checks they are answered 200
   and change nothing.

Prints JSON. Needs no Celery broker: the webhook's after-commit enqueue goes to the in-memory
broker of ehab.settings.test, so REDIS_URL must be unset. Bench data is never deleted; use a fresh
database for each run.
"""

import argparse
import copy
import hashlib
import hmac
import http.client
import json
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

EMAIL_PREFIX = "bench-hook-"
PLAN_SLUG = "bench-hooks-full"
URL = "/payments/stripe/webhook/"
FIXTURE = (
    Path(settings.BASE_DIR)
    / "tests"
    / "payments"
    / "stripe_events"
    / "2026-07-29.dahlia"
    / "checkout.session.completed.payment.json"
)
# Untimed events per path that warm the code (imports, connections, the broker's producer) and
# on which the in-process path counts queries per accepted and per processed event.
WARMUP = 5
DUPLICATE_SHARE = 0.10


# --- Seeding -------------------------------------------------------------------------------------


def _seed(total: int) -> list[tuple[int, str, int]]:
    """`total` pending enrollments with a billing account and an open checkout session each;
    returns (account id, checkout reference, user id) in seed order."""
    from accounts.models import User
    from courses.curriculum import curriculum_load, validate_curriculum
    from courses.models import Enrollment, EnrollmentStatus, Track
    from payments.models import BillingAccount, CheckoutSession, Plan

    curriculum_load(validate_curriculum(settings.BASE_DIR / "curriculum" / "e-hab-iop"))
    track = Track.objects.get(slug="core-12")
    plan, _ = Plan.objects.get_or_create(
        slug=PLAN_SLUG,
        defaults={
            "track": track,
            "kind": Plan.Kind.FULL,
            "installments": 1,
            "amount": Decimal("450.00"),  # what the event's session charges (amount_total)
            "currency": "usd",
            "stripe_price_id": "price_1BenchHooksFull000000000",
        },
    )
    today = timezone.localdate()
    users = User.objects.bulk_create(
        [
            User(
                email=f"{EMAIL_PREFIX}{i}@example.org",
                password="!bench-unusable",  # noqa: S106 - an unusable password hash
                preferred_name=f"Client {i}",
            )
            for i in range(total)
        ],
        batch_size=2000,
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                client=user,
                track=track,
                start_date=today,
                status=EnrollmentStatus.PENDING_PAYMENT,
            )
            for user in users
        ],
        batch_size=2000,
    )
    accounts = BillingAccount.objects.bulk_create(
        [BillingAccount(enrollment=e, plan=plan) for e in enrollments], batch_size=2000
    )
    # checkout_start stores Stripe's session id on the local row before the person pays.
    sessions = CheckoutSession.objects.bulk_create(
        [
            CheckoutSession(
                account=a, stripe_session_id=_session_id(i), **CheckoutSession.terms_of(plan)
            )
            for i, a in enumerate(accounts)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a bulk load
    return [(s.account_id, s.reference, u.pk) for s, u in zip(sessions, users, strict=True)]


def _session_id(i: int) -> str:
    return f"cs_test_b1Bench{i:08d}" + "x" * 44


def _events(seeded, template: dict, rng: random.Random) -> list[dict]:
    """One distinct checkout.session.completed event per seeded account (unsigned bodies)."""
    now = int(time.time())
    events = []
    for i, (account_id, reference, _user_id) in enumerate(seeded):
        event = copy.deepcopy(template)
        event["id"] = f"evt_1Bench{i:08d}{rng.getrandbits(24):06x}"
        event["created"] = now
        event["request"] = {"id": f"req_bench{i:08d}", "idempotency_key": f"bench-{i:08d}"}
        session = event["data"]["object"]
        session["id"] = _session_id(i)
        session["payment_intent"] = f"pi_1Bench{i:08d}{rng.getrandbits(24):06x}"
        # Checkout creates a customer and an invoice for every one-time payment here.
        session["customer"] = f"cus_Bench{i:09d}"
        session["invoice"] = f"in_1Bench{i:08d}{rng.getrandbits(24):06x}"
        session["client_reference_id"] = reference
        session["metadata"] = {"reference": reference}
        session["created"] = now - 120
        session["expires_at"] = now + 86_400
        events.append(
            {
                "account_id": account_id,
                "event_id": event["id"],
                "payment_intent": session["payment_intent"],
                # Stripe sends pretty-printed JSON; the signature covers these exact bytes.
                "body": json.dumps(event, indent=2).encode(),
            }
        )
    return events


def _sign(body: bytes) -> str:
    """Stripe's scheme: t=<unix time>,v1=<HMAC-SHA256(secret, "<t>." + body)>; signed at send
    time, so a slow run never falls outside the 300 s tolerance."""
    at = int(time.time())
    digest = hmac.new(
        settings.STRIPE_WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return f"t={at},v1={digest}"


# --- Delivery ------------------------------------------------------------------------------------


def _post_in_process(client: Client, body: bytes) -> tuple[int, bytes]:
    response = client.post(
        URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=_sign(body)
    )
    return response.status_code, response.content


def _post_http(conn: http.client.HTTPConnection, body: bytes) -> tuple[int, bytes]:
    # gunicorn's sync worker answers with Connection: close; http.client then reconnects on the
    # next request by itself (a new TCP connection per delivery, as Stripe's deliveries are).
    conn.request(
        "POST",
        URL,
        body=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": _sign(body)},
    )
    response = conn.getresponse()
    return response.status, response.read()


def _deliver(post, target, events: list[dict]) -> tuple[float, list[float]]:
    """POST each event once, in order; returns (wall seconds, per-request milliseconds)."""
    latencies = []
    started = time.perf_counter()
    for event in events:
        t0 = time.perf_counter()
        status, content = post(target, event["body"])
        latencies.append((time.perf_counter() - t0) * 1000)
        if status != 200:
            raise SystemExit(
                f"{event['event_id']} was answered {status}: {content[:200]!r}; aborting."
            )
    return time.perf_counter() - started, latencies


def _queued() -> int:
    """Messages in this process's in-memory broker (the after-commit enqueues)."""
    from kombu.transport.memory import Channel

    return sum(queue.qsize() for queue in Channel.queues.values())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Gunicorn:
    """`gunicorn ehab.wsgi:application` with one sync worker on a free local port."""

    def __init__(self):
        self.port = _free_port()
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix="bench-webhooks-gunicorn-", suffix=".log", delete=False
        )
        env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"])
        env.pop("REDIS_URL", None)
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ehab.wsgi:application",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
            ],  # fmt: skip
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early:\n{self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.tail()}")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def tail(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


# --- Processing and checks -----------------------------------------------------------------------


def _process(row_ids: list[int]) -> tuple[float, list[float], list[str]]:
    """stripe_event_process for each stored event in order, as one worker would."""
    from payments.services.webhooks import stripe_event_process

    latencies, errors = [], []
    started = time.perf_counter()
    for row_id in row_ids:
        t0 = time.perf_counter()
        try:
            stripe_event_process(event_row_id=row_id, now=timezone.now())
        except Exception as exc:  # noqa: BLE001 - recorded and reported, like a failed task
            errors.append(f"{row_id}: {type(exc).__name__}: {exc}"[:300])
        latencies.append((time.perf_counter() - t0) * 1000)
    return time.perf_counter() - started, latencies, errors


def _rows_by_event_id(events: list[dict]) -> dict[str, int]:
    from payments.models import StripeEvent

    ids = [e["event_id"] for e in events]
    return dict(StripeEvent.objects.filter(event_id__in=ids).values_list("event_id", "pk"))


def _fulfilment_check(events: list[dict]) -> dict:
    """Every bench enrollment active once: one change to paid_in_full by its own event, one
    payment for its own payment intent, one welcome, its session fulfilled, its event processed."""
    from courses.models import Enrollment, EnrollmentStatus
    from notifications.models import Kind, Notification
    from payments.models import (
        BillingAccount,
        BillingState,
        BillingStateChange,
        CheckoutSession,
        Payment,
        StripeEvent,
    )

    expected = {e["account_id"]: e for e in events}
    accounts = BillingAccount.objects.filter(pk__in=expected)
    changes: dict[int, list] = {}
    for account_id, to_state, event_id in BillingStateChange.objects.filter(
        account_id__in=expected
    ).values_list("account_id", "to_state", "stripe_event_id"):
        changes.setdefault(account_id, []).append((to_state, event_id))
    payments: dict[int, list] = {}
    for account_id, intent in Payment.objects.filter(account_id__in=expected).values_list(
        "account_id", "stripe_payment_intent_id"
    ):
        payments.setdefault(account_id, []).append(intent)
    welcomes = dict(
        Notification.objects.filter(kind=Kind.WELCOME, user__email__startswith=EMAIL_PREFIX)
        .values_list("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    user_of = dict(accounts.values_list("pk", "enrollment__client_id"))
    wrong_changes = sum(
        1
        for account_id, event in expected.items()
        if changes.get(account_id) != [(BillingState.PAID_IN_FULL, event["event_id"])]
    )
    wrong_payments = sum(
        1
        for account_id, event in expected.items()
        if payments.get(account_id) != [event["payment_intent"]]
    )
    wrong_welcomes = sum(1 for account_id in expected if welcomes.get(user_of[account_id]) != 1)
    result = {
        "accounts": len(expected),
        "enrollments_not_active": Enrollment.objects.filter(billing__in=accounts)
        .exclude(status=EnrollmentStatus.ACTIVE)
        .count(),
        "accounts_not_paid_in_full": accounts.exclude(state=BillingState.PAID_IN_FULL).count(),
        "accounts_without_exactly_one_change": wrong_changes,
        "accounts_without_exactly_one_payment": wrong_payments,
        "clients_without_exactly_one_welcome": wrong_welcomes,
        "sessions_not_fulfilled": CheckoutSession.objects.filter(
            account__in=accounts, fulfilled_at__isnull=True
        ).count(),
        "events_not_processed": StripeEvent.objects.filter(
            event_id__in=[e["event_id"] for e in events]
        )
        .exclude(status=StripeEvent.Status.PROCESSED)
        .count(),
    }
    result["ok"] = all(v == 0 for k, v in result.items() if k != "accounts")
    return result


def _snapshot() -> dict:
    """Row counts a duplicate delivery must not change."""
    from audit.models import AuditEvent
    from courses.models import Enrollment, ModuleRelease
    from notifications.models import Notification
    from payments.models import BillingStateChange, CheckoutSession, Payment, StripeEvent

    return {
        "stripe_events": dict(
            StripeEvent.objects.values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        ),
        "event_attempts": sum(StripeEvent.objects.values_list("attempts", flat=True)),
        "billing_changes": BillingStateChange.objects.count(),
        "payments": Payment.objects.count(),
        "notifications": Notification.objects.count(),
        "module_releases": ModuleRelease.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "enrollments": dict(
            Enrollment.objects.values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        ),
        "sessions_fulfilled": CheckoutSession.objects.filter(fulfilled_at__isnull=False).count(),
        "queued_in_process": _queued(),
    }


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 2)


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


# --- Main ----------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="timed events per path")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn path")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.events < 10:
        parser.error("--events must be at least 10")
    if connection.vendor != "postgresql":
        raise SystemExit(
            "bench.webhooks measures PostgreSQL (row locks, the unique event id); "
            f"DATABASE_URL names a {connection.vendor} database."
        )
    if not str(settings.CELERY_BROKER_URL).startswith("memory://"):
        raise SystemExit(
            "bench.webhooks needs the in-memory Celery broker (ehab.settings.test with REDIS_URL "
            f"unset), not {str(settings.CELERY_BROKER_URL).split('://')[0]}://; a real broker "
            "would hand the events to a running worker. Run it under `env -u REDIS_URL`."
        )
    if settings.STRIPE_LIVEMODE or not settings.STRIPE_WEBHOOK_SECRET:
        raise SystemExit("bench.webhooks needs test-mode Stripe settings with a webhook secret.")
    rng = random.Random(args.seed)

    from accounts.models import User
    from payments.models import StripeEvent

    call_command("migrate", verbosity=0)
    existing = User.objects.filter(email__startswith=EMAIL_PREFIX).count()
    if existing:
        raise SystemExit(
            f"The database holds {existing} bench-hook clients; use a fresh database "
            "(bench data is never deleted automatically)."
        )

    paths = ["in_process"] + ([] if args.no_http else ["http"])
    per_path = WARMUP + args.events
    started = time.perf_counter()
    seeded = _seed(per_path * len(paths))
    seed_seconds = round(time.perf_counter() - started, 1)
    template = json.loads(FIXTURE.read_text())
    all_events = _events(seeded, template, rng)
    sets = {path: all_events[i * per_path : (i + 1) * per_path] for i, path in enumerate(paths)}

    # 1. Accept, in this process: the real URL, middleware and view; no network.
    client = Client()
    warm = sets["in_process"][:WARMUP]
    timed = sets["in_process"][WARMUP:]
    with CaptureQueriesContext(connection) as ctx:
        for event in warm:
            status, content = _post_in_process(client, event["body"])
            if status != 200:
                raise SystemExit(f"warm-up delivery answered {status}: {content[:200]!r}")
    queries_per_accept = len(ctx.captured_queries) / len(warm)
    queued_before = _queued()
    accept_seconds, accept_ms = _deliver(_post_in_process, client, timed)
    enqueued = _queued() - queued_before

    # 1b. Accept through gunicorn over HTTP.
    server = None
    http_seconds, http_ms = None, []
    try:
        if "http" in sets:
            server = _Gunicorn()
            server.wait_ready()
            conn = server.connection()
            _deliver(_post_http, conn, sets["http"][:WARMUP])
            http_seconds, http_ms = _deliver(_post_http, conn, sets["http"][WARMUP:])
            conn.close()

        stored = _rows_by_event_id(all_events)
        if len(stored) != len(all_events):
            raise SystemExit(f"{len(all_events)} events accepted but {len(stored)} stored.")

        # 2. Process, as one worker would: the warm-up events first, untimed (the in-process
        # ones with their queries counted), then each path's timed events.
        with CaptureQueriesContext(connection) as ctx:
            _, _, process_errors = _process([stored[e["event_id"]] for e in warm])
        queries_per_process = len(ctx.captured_queries) / len(warm)
        if "http" in sets:
            process_errors += _process([stored[e["event_id"]] for e in sets["http"][:WARMUP]])[2]
        process_seconds, process_ms = {}, {}
        for path, events in sets.items():
            rows = [stored[e["event_id"]] for e in events[WARMUP:]]
            seconds, latencies, errors = _process(rows)
            process_seconds[path], process_ms[path] = seconds, latencies
            process_errors += errors
        fulfilment = _fulfilment_check(all_events)

        # 3. Duplicates: Stripe redelivers 10% of them (fresh signatures, same bytes and ids).
        before = _snapshot()
        duplicate_statuses = []
        for path, events in sets.items():
            sample = rng.sample(events, max(1, round(DUPLICATE_SHARE * len(events))))
            if path == "http":
                conn = server.connection()
                duplicate_statuses += [_post_http(conn, e["body"])[0] for e in sample]
                conn.close()
            else:
                duplicate_statuses += [_post_in_process(client, e["body"])[0] for e in sample]
            # What beat's safety net or a redelivered task would do with them: nothing.
            _, _, errors = _process([stored[e["event_id"]] for e in sample])
            process_errors += errors
        after = _snapshot()
    finally:
        if server is not None:
            server.stop()

    all_processed = sum(len(v) for v in process_ms.values())
    total_process_seconds = sum(process_seconds.values())
    duplicates_ok = all(s == 200 for s in duplicate_statuses) and before == after
    result = {
        "benchmark": "stripe webhook",
        "database": connection.vendor,
        "event_type": "checkout.session.completed (payment mode, pay-in-full plan)",
        "body_bytes": len(timed[0]["body"]),
        "events": len(timed),
        "events_http": len(http_ms) if http_ms else None,
        "events_stored": len(stored),
        "seed_seconds": seed_seconds,
        "accept_per_second": _rate(len(timed), accept_seconds),
        "accept_p50_ms": _pct(accept_ms, 0.50),
        "accept_p95_ms": _pct(accept_ms, 0.95),
        "accept_max_ms": _pct(accept_ms, 1.0),
        "accept_queries_per_event": queries_per_accept,
        "enqueued_after_commit": enqueued,
        "accept_per_second_http": _rate(len(http_ms), http_seconds) if http_ms else None,
        "accept_http_p50_ms": _pct(http_ms, 0.50) if http_ms else None,
        "accept_http_p95_ms": _pct(http_ms, 0.95) if http_ms else None,
        "accept_http_max_ms": _pct(http_ms, 1.0) if http_ms else None,
        "http_server": "gunicorn, 1 sync worker (a new connection per delivery)"
        if http_ms
        else None,
        "process_per_second": _rate(all_processed, total_process_seconds),
        "process_p50_ms": _pct([ms for v in process_ms.values() for ms in v], 0.50),
        "process_p95_ms": _pct([ms for v in process_ms.values() for ms in v], 0.95),
        "process_queries_per_event": queries_per_process,
        "process_errors": process_errors[:5],
        "end_to_end_per_second": _rate(len(timed), accept_seconds + process_seconds["in_process"]),
        "end_to_end_per_second_http": _rate(len(http_ms), http_seconds + process_seconds["http"])
        if http_ms
        else None,
        "end_to_end_note": "serial: one web process, then one worker (no overlap)",
        "duplicates_posted": len(duplicate_statuses),
        "duplicates_ok": duplicates_ok,
        "duplicate_changes": {k: [before[k], after[k]] for k in before if before[k] != after[k]},
        "all_fulfilled_once": fulfilment["ok"] and not process_errors,
        "fulfilment": fulfilment,
        "stripe_events_by_status": dict(
            StripeEvent.objects.values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        ),
    }
    result["checks_passed"] = (
        result["duplicates_ok"] and result["all_fulfilled_once"] and enqueued == len(timed)
    )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if result["checks_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
