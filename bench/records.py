"""The client's copy of their records at scale: `python -m bench.records [--samples N]`.

Seeds what bench.daily seeds (bench.course's 10,000 enrollments, daily history for most clients
and exactly 180 days of it for the sampled ones) on the database in DATABASE_URL, then gives the
sampled clients the rest of a 180-day history: every week of their track opened over those days
with every lesson done and every worksheet submitted three times, a PHQ-9 and a GAD-7 every two
weeks (through the measures service), two messages a day, a parts-journal entry every other day,
three safety-plan versions, and six monthly payments. Then, for each
sampled client, it asks for a copy (records.services.record_export_request) and runs the Celery
task's body in-process (records.tasks.build_record_export: what a worker spends), timing it, and
counts the task's queries for the first client. Prints JSON: median, p90 and max task seconds,
the copy's size, the rows behind it, and the queries. The goal (issue 15): under 5 s of task time
for a 180-day history.
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

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import daily  # noqa: E402

GOAL_SECONDS = 5.0
PLAN_SLUG = "bench-records-monthly"


def _measures(client, *, now: datetime) -> None:
    from measures.instruments import instruments_load, read_instruments
    from measures.models import Instrument
    from measures.services import administration_submit

    if not Instrument.objects.exists():
        instruments_load(read_instruments())
    for instrument in Instrument.objects.filter(key__in=("phq9", "gad7")):
        items = [item for item in instrument.definition["items"] if item["scored"]]
        for fortnight in range(daily.HISTORY_DAYS // 14, -1, -1):
            level = min(3, fortnight // 4)  # better as the weeks go by
            administration_submit(
                client=client,
                instrument=instrument,
                answers={item["number"]: 0 if item["risk"] else level for item in items},
                now=now - timedelta(days=14 * fortnight),
            )


def _messages(client, *, now: datetime) -> list:
    from notifications.models import Kind, Notification, Status

    made = []
    for back in range(daily.HISTORY_DAYS):
        for slot, kind in enumerate((Kind.MODULE_RELEASED, Kind.WELCOME)):
            at = now - timedelta(days=back, hours=12 * slot)
            made.append(
                Notification(
                    user=client,
                    kind=kind,
                    dedupe_key=f"bench-records:{client.pk}:{back}:{slot}",
                    scheduled_for=at,
                    status=Status.SENT,
                    sent_at=at,
                    created_at=at,
                )
            )
    return made


def _journal(client, *, now: datetime) -> tuple[list, list]:
    from care.models import SafetyPlan
    from daily.models import Part, PartsEntry

    parts = [
        PartsEntry(
            client=client,
            at=now - timedelta(days=back),
            day=(now - timedelta(days=back)).date(),
            parts=[Part.WITNESS, Part.INNER_CHILD],
            text="The younger part was scared; the witness noticed it and stayed.",
        )
        for back in range(0, daily.HISTORY_DAYS, 2)
    ]
    plans = [
        SafetyPlan(client=client, version=version, created_at=now - timedelta(days=60 * version))
        for version in (1, 2, 3)
    ]
    return parts, plans


def _course(client, *, now: datetime) -> tuple[list, list, list]:
    """Every week of the client's track opened over the 180 days, every lesson done (with SUDS
    where the lesson asks), every worksheet submitted three times: what the bench course left
    out is added, what it made is kept."""
    from courses.models import Enrollment, LessonProgress, ModuleRelease, WorksheetResponse

    enrollment = Enrollment.objects.filter(client=client).select_related("track").first()
    if enrollment is None:
        return [], [], []
    modules = list(enrollment.track.modules.prefetch_related("lessons").order_by("week"))
    released = set(enrollment.releases.values_list("module_id", flat=True))
    done = set(
        LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True)
    )
    submitted = set(enrollment.worksheet_responses.values_list("lesson_id", "version"))
    step = timedelta(days=daily.HISTORY_DAYS / max(len(modules), 1))
    releases, progress, worksheets = [], [], []
    for index, module in enumerate(modules):
        opened = now - timedelta(days=daily.HISTORY_DAYS) + index * step
        if module.pk not in released:
            releases.append(
                ModuleRelease(
                    enrollment=enrollment,
                    module=module,
                    due_at=opened,
                    released_at=opened,
                    reason="schedule",
                )
            )
        for lesson in module.lessons.all():
            done_at = opened + timedelta(days=2)
            if lesson.pk not in done:
                progress.append(
                    LessonProgress(
                        enrollment=enrollment,
                        lesson=lesson,
                        started_at=done_at,
                        completed_at=done_at,
                        suds_before=6 if lesson.suds else None,
                        suds_after=3 if lesson.suds else None,
                    )
                )
            for version in (1, 2, 3) if lesson.prompts else ():
                if (lesson.pk, version) in submitted:
                    continue
                at = done_at + timedelta(days=version)
                worksheets.append(
                    WorksheetResponse(
                        enrollment=enrollment,
                        lesson=lesson,
                        status=WorksheetResponse.Status.SUBMITTED,
                        version=version,
                        answers={
                            p["key"]: f"Looking again, version {version}: a few honest words."
                            for p in lesson.prompts
                        },
                        created_at=at,
                        updated_at=at,
                        submitted_at=at,
                    )
                )
    return releases, progress, worksheets


def _payments(client, *, now: datetime) -> list:
    from courses.models import Enrollment
    from payments.models import BillingAccount, Payment, Plan

    enrollment = Enrollment.objects.filter(client=client).first()
    if enrollment is None:
        return []
    plan, _ = Plan.objects.get_or_create(
        slug=PLAN_SLUG,
        defaults={
            "track": enrollment.track,
            "kind": Plan.Kind.INSTALLMENTS,
            "installments": 6,
            "amount": Decimal("950.00"),
        },
    )
    account, _ = BillingAccount.objects.get_or_create(
        enrollment=enrollment, defaults={"plan": plan}
    )
    return [
        Payment(
            account=account,
            stripe_invoice_id=f"in_bench_{client.pk}_{month}",
            amount=Decimal("950.00"),
            paid_at=now - timedelta(days=30 * month),
        )
        for month in range(6)
    ]


def _seed_history(clients, *, now: datetime) -> None:
    from care.models import SafetyPlan
    from courses.models import LessonProgress, ModuleRelease, WorksheetResponse
    from daily.models import PartsEntry
    from notifications.models import Notification
    from payments.models import Payment

    if Notification.objects.filter(dedupe_key__startswith="bench-records:").exists():
        return
    rows: dict[type, list] = {
        Notification: [],
        PartsEntry: [],
        SafetyPlan: [],
        ModuleRelease: [],
        LessonProgress: [],
        WorksheetResponse: [],
        Payment: [],
    }
    for client in clients:
        _measures(client, now=now)
        rows[Notification] += _messages(client, now=now)
        parts, plans = _journal(client, now=now)
        rows[PartsEntry] += parts
        rows[SafetyPlan] += plans
        releases, progress, worksheets = _course(client, now=now)
        rows[ModuleRelease] += releases
        rows[LessonProgress] += progress
        rows[WorksheetResponse] += worksheets
        rows[Payment] += _payments(client, now=now)
    for model, made in rows.items():
        model.objects.bulk_create(made, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _rows_behind(document: dict) -> dict[str, int]:
    return {key: len(value) for key, value in document.items() if isinstance(value, list)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=10, help="clients with 180 days timed")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from django.core.management import call_command

    from records.models import RecordExport
    from records.services import record_export_request
    from records.tasks import build_record_export

    call_command("migrate", verbosity=0)
    now = datetime.now(UTC)  # the bench's one clock read: the history ends here
    _users, long, seed_seconds = daily.seeded(
        enrollments=args.enrollments, samples=args.samples, now=now, rng=rng
    )
    started = time.perf_counter()
    _seed_history(long, now=now)
    history_seconds = round(time.perf_counter() - started, 1)

    seconds: list[float] = []
    queries = None
    sizes: list[int] = []
    rows = {}
    for index, client in enumerate(long):
        export = record_export_request(client=client, now=now).export
        started = time.perf_counter()
        if index == 0:
            with CaptureQueriesContext(connection) as ctx:
                build_record_export(export.pk)
            queries = len(ctx.captured_queries)
        else:
            build_record_export(export.pk)
        seconds.append(time.perf_counter() - started)
        export = RecordExport.objects.get(pk=export.pk)
        if export.status != RecordExport.Status.READY:
            raise SystemExit(f"The copy for client {client.pk} is {export.status}, not ready.")
        sizes.append(export.size)
        if index == 0:
            rows = _rows_behind(export.document)

    result = {
        "benchmark": "records export (the Celery task's body, in-process)",
        "database": connection.vendor,
        "clients": len(_users),
        "seed_seconds": seed_seconds,
        "history_seed_seconds": history_seconds,
        "clients_timed": len(long),
        "history_days": daily.HISTORY_DAYS,
        "rows_in_first_copy": rows,
        "task_seconds": {
            "median": round(statistics.median(seconds), 3),
            "p90": round(sorted(seconds)[int(0.9 * (len(seconds) - 1))], 3),
            "max": round(max(seconds), 3),
        },
        "copy_bytes": {"median": int(statistics.median(sizes)), "max": max(sizes)},
        "task_queries_first_client": queries,
        "goal": f"under {GOAL_SECONDS:g} s of task time for a 180-day history",
        "goal_met": max(seconds) < GOAL_SECONDS,
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
