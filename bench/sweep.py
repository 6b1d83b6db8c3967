"""The release sweep at scale: `python -m bench.sweep [--enrollments N] [--due N] [--batch-size N]`.

Seeds N active enrollments (default 100,000) on core-12 in the PostgreSQL database named by
DATABASE_URL, each with a realistic schedule: rolling starts over the past twelve weeks and the
next two, a mix of time zones, some paused days; every week due before the previous sweep
(10 minutes before a fixed `now`: Monday 06:05 in New York) is released, and `next_release_at`
is the next week's due time, computed by the app's own schedule code. Exactly `--due` of them
(default 10,000) have a week that fell due between the previous sweep and `now` (06:00 on the
US east coast), and exactly `--more` (default 1,000) one that falls due in the hour after
(06:00 in Chicago). Then it times one `release_sweep(now=now)` with its queries counted, runs a
second sweep an hour later for the `--more` enrollments, checks both query counts against
queries = c * ceil(due / batch_size) + k, and prints JSON.

Bench data is never deleted; `--reuse` measures again on data seeded earlier (it first undoes the
rows the earlier measurement wrote).
"""

import argparse
import json
import math
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

EMAIL_PREFIX = "bench-sweep-"
# Monday 13 January 2025, 06:05 in New York (EST), far from any DST change: the east coast's
# week has just opened. The state is seeded as the beat sweep left it ten minutes earlier.
NOW = datetime(2025, 1, 13, 11, 5, tzinfo=UTC)
PREVIOUS_SWEEP = NOW - timedelta(minutes=10)
# An hour later: 06:05 in Chicago, when the second sweep runs.
LATER = NOW + timedelta(hours=1)
TODAY = NOW.date()
ZONES = (
    ["America/New_York"] * 30
    + ["America/Detroit"] * 4
    + ["America/Chicago"] * 20
    + ["America/Denver"] * 8
    + ["America/Phoenix"] * 4
    + ["America/Los_Angeles"] * 20
    + ["America/Anchorage"] * 2
    + ["Pacific/Honolulu"] * 2
    + ["America/Puerto_Rico"] * 2
    + ["Europe/London"] * 2
)
PAUSES = [0] * 17 + [3, 7, 10]
GOAL_SECONDS = 10.0
# Django logs BEGIN and COMMIT: a claim that finds nothing is BEGIN, SELECT ... SKIP LOCKED,
# COMMIT. A cold track-structure cache costs one query for modules and one for lessons.
EMPTY_CLAIM = 3
COLD_STRUCTURE = 2


def _planner(track, modules):
    """A memoized (time zone, start date, paused days) -> due time of each module, in order."""
    from accounts.models import User
    from courses.models import Enrollment
    from courses.schedule import module_due_at

    memo: dict[tuple, list[datetime]] = {}

    def due_times(tz, start, paused):
        key = (tz, start, paused)
        if key not in memo:
            probe = Enrollment(
                client=User(timezone=tz), track=track, start_date=start, paused_days=paused
            )
            memo[key] = [module_due_at(enrollment=probe, module=m) for m in modules]
        return memo[key]

    return due_times


def _seed(n: int, due: int, more: int, rng: random.Random) -> None:
    from accounts.models import User
    from courses.curriculum import curriculum_load, validate_curriculum
    from courses.models import Enrollment, ModuleRelease, Track

    curriculum_load(validate_curriculum(settings.BASE_DIR / "curriculum" / "e-hab-iop"))
    track = Track.objects.get(slug="core-12")
    # The order the sweep walks them in (courses.selectors.track_structure).
    modules = list(track.modules.filter(retired_at__isnull=True).order_by("week", "order"))
    due_times = _planner(track, modules)

    # Which window each enrollment's next week falls in: (PREVIOUS_SWEEP, NOW] for the first
    # sweep, (NOW, LATER] for the second, after LATER for the rest. Drawn at random and kept
    # only when they land in their window, so the counts are exact and every row is what the
    # schedule says.
    windows = {
        "due": (PREVIOUS_SWEEP, NOW),
        "more": (NOW, LATER),
        "rest": (LATER, datetime.max.replace(tzinfo=UTC)),
    }
    kinds = ["due"] * due + ["more"] * more + ["rest"] * (n - due - more)
    rng.shuffle(kinds)
    plans = []
    for kind in kinds:
        low, high = windows[kind]
        while True:
            tz = rng.choice(ZONES)
            start = TODAY + timedelta(days=rng.randint(-84, 0 if kind != "rest" else 13))
            paused = rng.choice(PAUSES) if start < TODAY else 0
            times = due_times(tz, start, paused)
            released = sum(1 for at in times if at <= PREVIOUS_SWEEP)
            next_at = times[released] if released < len(times) else None
            if next_at is not None and low < next_at <= high:
                plans.append((tz, start, paused, released, next_at))
                break

    probe = User(password="")
    probe.set_password("bench-password-123")
    users = [
        User(
            email=f"{EMAIL_PREFIX}{i}@example.org",
            password=probe.password,
            preferred_name=f"Client {i}",
            timezone=tz,
            date_joined=NOW - timedelta(days=100),
        )
        for i, (tz, *_) in enumerate(plans)
    ]
    User.objects.bulk_create(users, batch_size=2000)  # PostgreSQL returns the new ids
    chunk = 10_000
    for offset in range(0, n, chunk):
        enrollments = [
            Enrollment(
                client=user,
                track=track,
                start_date=start,
                paused_days=paused,
                status="active",
                next_release_at=next_at,
                created_at=datetime.combine(start, datetime.min.time(), UTC)
                - timedelta(days=rng.randint(1, 10)),
            )
            for user, (_, start, paused, _, next_at) in zip(
                users[offset : offset + chunk], plans[offset : offset + chunk], strict=True
            )
        ]
        Enrollment.objects.bulk_create(enrollments, batch_size=2000)
        releases = []
        for enrollment, (tz, start, paused, released, _) in zip(
            enrollments, plans[offset : offset + chunk], strict=True
        ):
            for module, at in zip(
                modules[:released], due_times(tz, start, paused)[:released], strict=True
            ):
                releases.append(
                    ModuleRelease(
                        enrollment=enrollment,
                        module=module,
                        due_at=at,
                        released_at=at,
                        reason="schedule",
                    )  # fmt: skip
                )
        ModuleRelease.objects.bulk_create(releases, batch_size=5000)
    _analyze()


def _analyze() -> None:
    # As autovacuum would after a bulk load: the planner needs real row counts.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _rewind() -> int:
    """Undo what an earlier run's sweeps wrote (rows released at NOW or LATER), so the data is
    as seeded again; returns how many enrollments were put back."""
    from django.db import transaction
    from django.db.models import OuterRef, Subquery

    from courses.models import Enrollment, ModuleRelease
    from notifications.models import Kind, Notification

    written = ModuleRelease.objects.filter(
        enrollment__client__email__startswith=EMAIL_PREFIX, released_at__in=[NOW, LATER]
    )
    with transaction.atomic():
        # The earliest week a sweep released is the one next_release_at pointed at before.
        rewound = Enrollment.objects.filter(pk__in=written.values("enrollment_id")).update(
            next_release_at=Subquery(
                ModuleRelease.objects.filter(
                    enrollment_id=OuterRef("pk"), released_at__in=[NOW, LATER]
                )
                .order_by("due_at")
                .values("due_at")[:1]
            )
        )
        written.delete()
        Notification.objects.filter(
            user__email__startswith=EMAIL_PREFIX,
            kind=Kind.MODULE_RELEASED,
            created_at__in=[NOW, LATER],
        ).delete()
    _analyze()
    return rewound


def _sweep(now: datetime, batch_size: int) -> dict:
    """One timed release_sweep(now=now); its queries split at each claim of a batch."""
    from courses.models import ModuleRelease
    from courses.services.releases import release_sweep
    from notifications.models import Kind, Notification

    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        returned = release_sweep(now=now, batch_size=batch_size)
        seconds = time.perf_counter() - started
    sql = [q["sql"] for q in ctx.captured_queries]
    # Split at each batch's claim (with the BEGIN Django logs just before it).
    starts = [
        i - 1 if i and sql[i - 1] == "BEGIN" else i for i, s in enumerate(sql) if "SKIP LOCKED" in s
    ]
    batches = [sql[a:b] for a, b in zip(starts, [*starts[1:], len(sql)], strict=True)]
    structure = [s for s in sql if s.startswith("SELECT") and _reads_structure(s)]
    per_batch = [
        len(batch) - sum(1 for s in batch if s in structure)
        for batch in batches
        if any(s.startswith("INSERT") for s in batch)
    ]
    empty = [len(batch) for batch in batches if not any(s.startswith("INSERT") for s in batch)]
    return {
        "releases_written": ModuleRelease.objects.filter(released_at=now).count(),
        "released_returned": returned,
        "notifications_written": Notification.objects.filter(
            kind=Kind.MODULE_RELEASED, created_at=now
        ).count(),
        "seconds": round(seconds, 3),
        "queries": len(sql),
        "per_batch": per_batch,
        "empty_claims": empty,
        "structure_queries": len(structure),
        "outside_batches": starts[0] if starts else len(sql),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--more", type=int, default=1_000, help="due for the second sweep")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--reuse", action="store_true", help="measure again on seeded data")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.due < 1 or args.more < 1:
        parser.error("--batch-size, --due and --more must be at least 1")
    if args.due + args.more > args.enrollments:
        parser.error("--due plus --more cannot exceed --enrollments")
    if connection.vendor != "postgresql":
        raise SystemExit(
            f"bench.sweep measures PostgreSQL (skip-locked claims, the partial index); "
            f"DATABASE_URL names a {connection.vendor} database."
        )
    rng = random.Random(args.seed)

    from courses.models import Enrollment, EnrollmentStatus, ModuleRelease

    call_command("migrate", verbosity=0)
    bench = Enrollment.objects.filter(client__email__startswith=EMAIL_PREFIX)
    existing = bench.count()
    seed_seconds = None
    if existing and not args.reuse:
        raise SystemExit(
            f"The database holds {existing} bench-sweep enrollments; use a fresh database, or "
            "--reuse to measure on them again (bench data is never deleted automatically)."
        )
    if args.reuse:
        if existing != args.enrollments:
            raise SystemExit(
                f"--reuse: the database holds {existing} bench-sweep enrollments, not "
                f"{args.enrollments}; use a fresh database."
            )
        _rewind()
    else:
        started = time.perf_counter()
        _seed(args.enrollments, args.due, args.more, rng)
        seed_seconds = round(time.perf_counter() - started, 1)

    # The sweep covers every enrollment in the database, so check the whole table.
    active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
    due_now = active.filter(next_release_at__lte=NOW).count()
    due_later = active.filter(next_release_at__gt=NOW, next_release_at__lte=LATER).count()
    if (due_now, due_later) != (args.due, args.more):
        raise SystemExit(
            f"{due_now} enrollments are due at {NOW.isoformat()} and {due_later} an hour later, "
            f"not {args.due} and {args.more} (other data, or seeded with other options); "
            "use a fresh database."
        )

    # The track structure is cached per process: a cold cache costs 2 queries once, which a
    # beat worker pays on its first sweep only. The prediction below counts it when cold.
    track = bench.select_related("track").first().track
    cold = COLD_STRUCTURE if (track.pk, track.content_token) not in _structure_cache_keys() else 0
    first = _sweep(NOW, args.batch_size)
    after_first = active.filter(next_release_at__lte=NOW).count()
    second = _sweep(LATER, args.batch_size)
    after_second = active.filter(next_release_at__lte=LATER).count()

    per_batch = sorted(set(first["per_batch"] + second["per_batch"]))
    c = per_batch[0] if len(per_batch) == 1 else None

    def predicted(due: int, k_cold: int) -> int | None:
        if c is None:
            return None
        # A full last batch makes the sweep claim once more and find nothing.
        trailing = EMPTY_CLAIM if due % args.batch_size == 0 else 0
        return c * math.ceil(due / args.batch_size) + k_cold + trailing

    predicted_first = predicted(args.due, cold)
    predicted_second = predicted(args.more, 0)
    result = {
        "benchmark": "release sweep",
        "database": connection.vendor,
        "now": NOW.isoformat(),
        "enrollments": bench.count(),
        "module_releases": ModuleRelease.objects.count(),
        "due": args.due,
        "releases_written": first["releases_written"],
        "notifications_written": first["notifications_written"],
        "seconds": first["seconds"],
        "queries": first["queries"],
        "batch_size": args.batch_size,
        "queries_per_batch": c if c is not None else per_batch,
        "query_formula": (
            f"queries = {c if c is not None else 'c'} * ceil(due / batch_size) + k; "
            f"k = {EMPTY_CLAIM} when due is a multiple of batch_size (a last claim that finds "
            f"nothing) + {COLD_STRUCTURE} on a cold track-structure cache (a process's first "
            "sweep); c counts BEGIN and COMMIT"
        ),
        "predicted_queries": predicted_first,
        "second_sweep": {
            "now": LATER.isoformat(),
            "due": args.more,
            "releases_written": second["releases_written"],
            "notifications_written": second["notifications_written"],
            "seconds": second["seconds"],
            "queries": second["queries"],
            "predicted_queries": predicted_second,
        },
        "still_due_after": [after_first, after_second],
        "seed_seconds": seed_seconds,
        "goal": "one sweep under 10 s; queries do not grow with the number of enrollments",
    }
    result["goal_met"] = (
        first["seconds"] < GOAL_SECONDS
        and c is not None
        and first["queries"] == predicted_first
        and second["queries"] == predicted_second
        and first["released_returned"] == first["releases_written"] == args.due
        and first["notifications_written"] == args.due
        and second["released_returned"] == second["releases_written"] == args.more
        and second["notifications_written"] == args.more
        and after_first == 0
        and after_second == 0
    )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _reads_structure(sql: str) -> bool:
    head = sql.split(" WHERE ", 1)[0]
    return ' FROM "courses_module" ' in f"{head} " or ' FROM "courses_lesson" ' in f"{head} "


def _structure_cache_keys() -> set:
    from courses import selectors

    return set(getattr(selectors, "_STRUCTURE_CACHE", {}))


if __name__ == "__main__":
    sys.exit(main())
