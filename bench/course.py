"""Course pages at scale: `python -m bench.course [--enrollments N] [--samples N] [--repeats N]`.

Seeds N enrollments (default 10,000) on the database in DATABASE_URL (PostgreSQL is the point;
SQLite works for a quick look) with realistic progress: cohorts and rolling starts spread over the
past twelve weeks, weeks released on schedule, lessons of open weeks done according to each
client's diligence, worksheets submitted. Then it times the home, program map, week (module) and
lesson pages in-process for random clients, round-robin with a floor view that only renders the
base template, and prints JSON: median and p90 server time, query count, and each page's multiple
of the floor. The goal (docs/decisions/0007) holds all four pages within twice the floor.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

EMAIL_PREFIX = "bench-client-"


def _seed(n: int, rng: random.Random) -> None:
    from accounts.models import User
    from courses.curriculum import curriculum_load, validate_curriculum
    from courses.models import (
        Cohort,
        Enrollment,
        LessonProgress,
        ModuleRelease,
        Track,
        WorksheetResponse,
    )
    from courses.schedule import module_due_at

    curriculum_load(validate_curriculum(settings.BASE_DIR / "curriculum" / "e-hab-iop"))
    track = Track.objects.get(slug="core-12")
    modules = list(track.modules.filter(retired_at__isnull=True).prefetch_related("lessons"))
    probe = User(password="")
    probe.set_password("bench-password-123")
    zones = ["America/New_York"] * 6 + ["America/Chicago"] * 3 + ["America/Denver"]
    users = [
        User(
            email=f"{EMAIL_PREFIX}{i}@example.org",
            password=probe.password,
            preferred_name=f"Client {i}",
            timezone=rng.choice(zones),
        )
        for i in range(n)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(email__startswith=EMAIL_PREFIX).order_by("pk"))
    today = datetime.now(UTC).date()
    # A third of the clients are in weekly cohorts of up to 10 (the practice's groups); the rest
    # started on a rolling basis.
    monday = today - timedelta(days=today.weekday())
    cohorts = Cohort.objects.bulk_create(
        Cohort(track=track, name=f"Bench cohort {i}", start_date=monday - timedelta(weeks=i % 12))
        for i in range(n // 30 + 1)
    )
    enrollments = []
    for i, user in enumerate(users):
        cohort = cohorts[i // 10] if i % 3 == 0 and i // 10 < len(cohorts) else None
        rolling_start = today - timedelta(days=rng.randint(0, 84))
        enrollments.append(
            Enrollment(
                client=user,
                track=track,
                cohort=cohort,
                start_date=cohort.start_date if cohort else rolling_start,
                status="active",
            )
        )
    Enrollment.objects.bulk_create(enrollments, batch_size=2000)
    enrollments = list(
        Enrollment.objects.filter(client__email__startswith=EMAIL_PREFIX).select_related(
            "client", "track", "cohort"
        )
    )
    now = datetime.now(UTC)
    releases, progress, worksheets = [], [], []
    for enrollment in enrollments:
        diligence = rng.random()
        for module in modules:
            due = module_due_at(enrollment=enrollment, module=module)
            if due > now:
                break
            releases.append(
                ModuleRelease(
                    enrollment=enrollment,
                    module=module,
                    due_at=due,
                    released_at=due,
                    reason="schedule",
                )  # fmt: skip
            )
            for lesson in module.lessons.all():
                if rng.random() < diligence:
                    done_at = due + timedelta(hours=rng.randint(1, 120))
                    progress.append(
                        LessonProgress(
                            enrollment=enrollment,
                            lesson=lesson,
                            started_at=done_at,
                            completed_at=done_at,
                            suds_before=rng.randint(2, 8) if lesson.suds else None,
                            suds_after=rng.randint(0, 6) if lesson.suds else None,
                        )
                    )
                    if lesson.prompts:
                        worksheets.append(
                            WorksheetResponse(
                                enrollment=enrollment,
                                lesson=lesson,
                                status="submitted",
                                version=1,
                                answers={p["key"]: "A few honest words." for p in lesson.prompts},
                                submitted_at=done_at,
                            )
                        )
    ModuleRelease.objects.bulk_create(releases, batch_size=5000)
    LessonProgress.objects.bulk_create(progress, batch_size=5000)
    WorksheetResponse.objects.bulk_create(worksheets, batch_size=5000)
    if connection.vendor == "postgresql":
        # As autovacuum would after a bulk load: the planner needs real row counts.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _time(client: Client, url: str) -> float:
    """Server time of one visit in ms (no query capture: Django's debug cursor would add its own
    cost to every query and penalise the pages that make more)."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed * 1000


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return len(ctx.captured_queries)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=40, help="clients sampled")
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed visits per page and client, interleaved"
    )
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from accounts.models import User
    from courses.models import Enrollment, LessonKind, ModuleRelease

    call_command("migrate", verbosity=0)
    existing = User.objects.filter(email__startswith=EMAIL_PREFIX).count()
    seed_seconds = None
    if args.reseed or existing != args.enrollments:
        if existing:
            raise SystemExit(
                f"The database holds {existing} bench clients; use a fresh database "
                "(bench data is never deleted automatically)."
            )
        started = time.perf_counter()
        _seed(args.enrollments, rng)
        seed_seconds = round(time.perf_counter() - started, 1)

    enrollment_ids = list(
        Enrollment.objects.filter(client__email__startswith=EMAIL_PREFIX).values_list(
            "pk", flat=True
        )
    )
    samples = rng.sample(enrollment_ids, min(args.samples, len(enrollment_ids)))
    names = ("floor", "home", "program_map", "week", "lesson")
    times: dict[str, list[float]] = {name: [] for name in names}
    queries: dict[str, int] = dict.fromkeys(names, 0)
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        for enrollment_id in samples:
            enrollment = Enrollment.objects.select_related("client").get(pk=enrollment_id)
            release = (
                ModuleRelease.objects.filter(enrollment=enrollment)
                .order_by("-module__week")
                .select_related("module")
                .first()
            )
            lesson = release.module.lessons.filter(kind=LessonKind.WORKSHEET).first() or (
                release.module.lessons.first()
            )
            if release.module.trauma_intense and release.content_note_seen_at is None:
                release.content_note_seen_at = datetime.now(UTC)
                release.save(update_fields=["content_note_seen_at"])
            client = Client()
            client.force_login(enrollment.client)
            urls = {
                "floor": reverse("bench_floor"),
                "home": reverse("courses:dashboard"),
                "program_map": reverse("courses:program_map"),
                "week": reverse("courses:module", args=[release.module_id]),
                "lesson": reverse("courses:lesson", args=[lesson.pk]),
            }
            for name, url in urls.items():
                client.get(url)  # warm this client's session and the lazy release check
                queries[name] = max(queries[name], _count_queries(client, url))
            # Round-robin over the pages, so a noisy moment on the machine lands on all of them.
            for _ in range(args.repeats):
                for name, url in urls.items():
                    times[name].append(_time(client, url))

    floor_ms = statistics.median(times["floor"])
    result = {
        "benchmark": "course pages",
        "database": connection.vendor,
        "enrollments": Enrollment.objects.filter(client__email__startswith=EMAIL_PREFIX).count(),
        "module_releases": ModuleRelease.objects.count(),
        "seed_seconds": seed_seconds,
        "clients_sampled": len(samples),
        "samples_per_page": len(samples) * args.repeats,
        "pages": {
            name: {
                "median_ms": round(statistics.median(values), 2),
                "p90_ms": round(sorted(values)[int(0.9 * (len(values) - 1))], 2),
                "queries": queries[name],
                "x_floor": round(statistics.median(values) / floor_ms, 2),
            }
            for name, values in times.items()
        },
        "goal": "each page within 2x the floor and under 15 queries",
    }
    result["goal_met"] = all(
        page["x_floor"] <= 2 and page["queries"] < 15
        for name, page in result["pages"].items()
        if name != "floor"
    )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
