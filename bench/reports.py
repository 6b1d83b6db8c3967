"""The administrators' reports at scale: `python -m bench.reports [--enrollments N] [--cohorts N]`.

Seeds the course bench's clients (bench.course: N enrollments, default 10,000, with releases,
progress and worksheets) on the database in DATABASE_URL if they are not there yet, then spreads
every bench enrollment over `--cohorts` cohorts (default 200) and gives the program the rest of
what the reports count: check-ins (bench.daily's seeding), billing accounts and payments for
most clients, a week of messages, and withdrawals through the enrollment service (audited).

Then it times, in-process and round-robin with the floor view (a page that only renders the base
template), the reports page for the whole program, a track and sampled cohorts: cold (the cache
emptied before each visit: every figure computed) and warm (nothing changed since the last
visit). It counts each page's queries cold and warm and prints JSON: median and p90 ms, queries
and the multiple of the floor. The goal (issue 15): within twice the floor, cache allowed.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.test")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import course, daily  # noqa: E402

COHORT_PREFIX = "Report cohort "
ADMIN_EMAIL = "bench-reports-admin@example.org"


def _spread(cohort_count: int, rng: random.Random, now: datetime) -> None:
    """Every bench enrollment into one of `cohort_count` cohorts of its track; the course bench's
    own cohorts, then empty, are removed."""
    from courses.models import Cohort, Enrollment, Track

    track = Track.objects.get(slug="core-12")
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    cohorts = Cohort.objects.bulk_create(
        Cohort(track=track, name=f"{COHORT_PREFIX}{i}", start_date=monday - timedelta(weeks=i % 12))
        for i in range(cohort_count)
    )
    enrollments = list(Enrollment.objects.filter(client__email__startswith=course.EMAIL_PREFIX))
    for i, enrollment in enumerate(enrollments):
        enrollment.cohort = cohorts[i % cohort_count]
    Enrollment.objects.bulk_update(enrollments, ["cohort"], batch_size=2000)
    Cohort.objects.filter(name__startswith="Bench cohort ").delete()


def _billing(rng: random.Random, now: datetime) -> None:
    """Most clients on a plan: a third paid in full, half paying three installments (some past
    due), the rest without an account; a few refunds."""
    from courses.models import Enrollment, Track
    from payments.models import BillingAccount, BillingState, Payment, Plan

    track = Track.objects.get(slug="core-12")
    full, _ = Plan.objects.get_or_create(
        slug="bench-full", defaults={"track": track, "kind": "full", "amount": Decimal("900.00")}
    )
    monthly, _ = Plan.objects.get_or_create(
        slug="bench-3",
        defaults={
            "track": track, "kind": "installments", "installments": 3,
            "amount": Decimal("320.00"),
        },
    )  # fmt: skip
    accounts = []
    for enrollment in Enrollment.objects.filter(client__email__startswith=course.EMAIL_PREFIX):
        roll = rng.random()
        if roll < 0.33:
            accounts.append(
                BillingAccount(
                    enrollment=enrollment,
                    plan=full,
                    state=BillingState.PAID_IN_FULL,
                    paid_installments=1,
                )
            )
        elif roll < 0.85:
            paid = rng.randint(1, 3)
            state = (
                BillingState.PAST_DUE if rng.random() < 0.1 else BillingState.INSTALLMENTS_CURRENT
            )
            accounts.append(
                BillingAccount(
                    enrollment=enrollment, plan=monthly, state=state, paid_installments=paid
                )
            )
    BillingAccount.objects.bulk_create(accounts, batch_size=2000)
    payments = []
    for account in BillingAccount.objects.filter(
        enrollment__client__email__startswith=course.EMAIL_PREFIX
    ).select_related("plan"):
        for n in range(account.paid_installments):
            payments.append(Payment(
                account=account, amount=account.plan.amount,
                refunded_amount=Decimal("50.00") if rng.random() < 0.02 else Decimal("0"),
                paid_at=now - timedelta(days=30 * n + rng.randint(0, 20)),
            ))  # fmt: skip
    Payment.objects.bulk_create(payments, batch_size=5000)


def _messages(users, rng: random.Random, now: datetime) -> None:
    from notifications.models import Channel, Kind, Notification, Status

    statuses = [Status.SENT] * 18 + [Status.FAILED, Status.PENDING]
    rows = [
        Notification(
            user=user,
            kind=Kind.MODULE_RELEASED,
            dedupe_key=f"bench-report:{user.pk}:{i}",
            channel=Channel.SMS if rng.random() < 0.2 else Channel.EMAIL,
            status=rng.choice(statuses),
            created_at=now - timedelta(hours=rng.randint(1, 160)),
        )  # fmt: skip
        for user in users
        for i in range(rng.randint(0, 3))
    ]
    Notification.objects.bulk_create(rows, batch_size=5000)


def _withdraw(count: int, rng: random.Random, now: datetime, admin) -> None:
    from courses.models import Enrollment, EnrollmentStatus
    from courses.services.enrollment import enrollment_set_status

    ids = list(
        Enrollment.objects.filter(
            client__email__startswith=course.EMAIL_PREFIX, status=EnrollmentStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    for pk in rng.sample(ids, min(count, len(ids))):
        enrollment_set_status(
            enrollment=Enrollment.objects.get(pk=pk),
            status=EnrollmentStatus.WITHDRAWN,
            acting_user=admin,
            now=now - timedelta(days=rng.randint(0, 300)),
        )


def _admin():
    from allauth.mfa.models import Authenticator

    from accounts.models import User
    from accounts.roles import Role

    admin, _ = User.objects.get_or_create(
        email=ADMIN_EMAIL, defaults={"role": Role.ADMIN, "preferred_name": "Bench admin"}
    )
    if not Authenticator.objects.filter(user=admin).exists():
        Authenticator.objects.create(
            user=admin, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
    return admin


def _signed_in(user) -> Client:
    from accounts.session_policy import MFA_VERIFIED

    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_VERIFIED] = time.time()
    session.save()
    return client


def _visit(client: Client, url: str, *, cold: bool) -> float:
    if cold:
        cache.clear()
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed * 1000


def _count(client: Client, url: str, *, cold: bool) -> int:
    client.get(url)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--cohorts", type=int, default=200)
    parser.add_argument("--samples", type=int, default=8, help="cohorts timed")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from django.core.management import call_command

    from accounts.models import User
    from courses.models import Cohort, Enrollment
    from daily.models import Checkin

    call_command("migrate", verbosity=0)
    admin = _admin()
    started = time.perf_counter()
    seed_seconds = None
    existing = User.objects.filter(email__startswith=course.EMAIL_PREFIX).count()
    if existing != args.enrollments:
        if existing:
            raise SystemExit(
                f"The database holds {existing} bench clients; use a fresh database "
                "(bench data is never deleted automatically)."
            )
        course._seed(args.enrollments, rng)
    now = datetime.now(UTC)  # the bench's one reading of the clock
    if not Cohort.objects.filter(name__startswith=COHORT_PREFIX).exists():
        users = list(User.objects.filter(email__startswith=course.EMAIL_PREFIX).order_by("pk"))
        _spread(args.cohorts, rng, now)
        if not Checkin.objects.filter(client__email__startswith=course.EMAIL_PREFIX).exists():
            daily._seed_daily(users, samples=20, now=now, rng=rng)
        _billing(rng, now)
        _messages(users, rng, now)
        _withdraw(args.enrollments // 50, rng, now, admin)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        seed_seconds = round(time.perf_counter() - started, 1)

    cohorts = list(
        Cohort.objects.filter(name__startswith=COHORT_PREFIX).values_list("pk", "track_id")
    )
    sampled = rng.sample(cohorts, min(args.samples, len(cohorts)))
    base = reverse("ops:reports")
    urls = {
        "all": base,
        "track": f"{base}?group=track-{cohorts[0][1]}",
        **{f"cohort_{i}": f"{base}?group=cohort-{pk}" for i, (pk, _t) in enumerate(sampled)},
    }
    times: dict[str, list[float]] = {"floor": [], "cold": [], "warm": []}
    queries: dict[str, int] = {}
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        client = _signed_in(admin)
        floor = reverse("bench_floor")
        client.get(floor)
        queries["floor"] = _count(client, floor, cold=False)
        queries["cold"] = max(_count(client, url, cold=True) for url in urls.values())
        queries["warm"] = max(_count(client, url, cold=False) for url in urls.values())
        for _ in range(args.repeats):
            for url in urls.values():
                times["floor"].append(_visit(client, floor, cold=False))
                times["cold"].append(_visit(client, url, cold=True))
                times["floor"].append(_visit(client, floor, cold=False))
                times["warm"].append(_visit(client, url, cold=False))

    floor_ms = statistics.median(times["floor"])
    result = {
        "benchmark": "reports",
        "database": connection.vendor,
        "enrollments": Enrollment.objects.filter(client__email__startswith=course.EMAIL_PREFIX)
        .exclude(cohort=None)
        .count(),
        "cohorts": len(cohorts),
        "seed_seconds": seed_seconds,
        "groups_timed": len(urls),
        "samples_per_page": len(urls) * args.repeats,
        "pages": {
            name: {
                "median_ms": round(statistics.median(values), 2),
                "p90_ms": round(sorted(values)[int(0.9 * (len(values) - 1))], 2),
                "queries": queries[name],
                "x_floor": round(statistics.median(values) / floor_ms, 2),
            }
            for name, values in times.items()
        },
        "goal": "the report within 2x the floor (cache allowed: warm), queries flat in cohorts",
    }
    result["goal_met"] = result["pages"]["warm"]["x_floor"] <= 2
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
