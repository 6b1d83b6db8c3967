"""The client's daily pages at scale: `python -m bench.daily [--enrollments N] [--samples N]`.

Seeds the course bench's clients (bench.course: N enrollments, default 10,000) on the database in
DATABASE_URL if they are not there yet, and gives them daily history: most clients a few weeks of
check-ins (some with urges, practices and a lapse), and `--samples` of them exactly 180 days
(check-ins, a lapse every ten days with its chain analysis, an urge and a practice every third
day, a DSAP), and as many others none at all. Then it times, in-process and round-robin with the
floor view (a page that only renders the base template), the check-in page (`daily:today`, GET
and a valid POST of the evening review), and the trends page (`daily:trends`, 4 and 12 weeks),
for the clients with 180 days; and it counts each page's queries for a client with 0 days and
one with 180: the counts must be the same. Prints JSON: median and p90 ms, queries, the multiple
of the floor, and the status each page answered (a page still being built answers 404: the
figures then say so rather than time a page that is not there). The goal (issue 14): each page
within twice the floor, queries flat in the history's length.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import course  # noqa: E402

HISTORY_DAYS = 180
# Which bench clients carry what: the sampled ones are picked by their position among the bench
# clients (ordered by id), so a second run finds the same ones.
LONG_EVERY = 97  # every 97th bench client has 180 days (up to --samples of them)
NONE_OFFSET = 1  # and the one after it has none


def _daily_rows(user, days: int, today, rng: random.Random, *, full: bool):
    """`user`'s last `days` local days: check-ins (a few missed unless `full`), a lapse every ten
    days, an urge and a practice every third day."""
    from core.localtime import local_instant
    from daily.models import BottomLines, Checkin, Lapse, Part, PracticeLog, UrgeLog

    parts = list(Part.values)
    checkins, lapses, urges, practices = [], [], [], []
    for back in range(days):
        day = today - timedelta(days=back)
        at = local_instant(day, clock(21), user.timezone)
        if not full and rng.random() < 0.2:
            continue
        lapsed = back % 10 == 9
        checkins.append(
            Checkin(
                client=user,
                day=day,
                intention="Go gently.",
                morning_at=at - timedelta(hours=13),
                anchors_offered=["Walk", "Call a friend"],
                anchors_done=["Walk"],
                mood=rng.randint(2, 9),
                urge=rng.randint(0, 9),
                loudest_part=rng.choice(parts),
                bottom_lines=BottomLines.LAPSED if lapsed else BottomLines.HELD,
                helped="A walk.",
                safe="yes",
                evening_at=at,
                created_at=at,
                updated_at=at,
            )
        )
        if lapsed:
            lapses.append(
                Lapse(
                    client=user,
                    day=day,
                    situation="Alone late.",
                    body="Restless.",
                    thought="Nobody would know.",
                    part=Part.TEENAGER,
                    stage=Lapse.Stage.ESCAPE,
                    needed="Company.",
                    next_time="Text a friend.",
                    created_at=at,
                    updated_at=at,
                    completed_at=at,
                )  # fmt: skip
            )
        if back % 3 == 0:
            urges.append(
                UrgeLog(
                    client=user,
                    at=at,
                    day=day,
                    intensity=rng.randint(2, 9),
                    where=UrgeLog.Where.CHEST,
                    did=UrgeLog.Did.BREATHED,
                )  # fmt: skip
            )
            practices.append(
                PracticeLog(
                    client=user,
                    at=at,
                    day=day,
                    practice=rng.choice(PracticeLog.Practice.values),
                    suds_before=rng.randint(5, 9),
                    suds_after=rng.randint(1, 5),
                )  # fmt: skip
            )
    return checkins, lapses, urges, practices


def _seed_daily(users, *, samples: int, now: datetime, rng: random.Random) -> None:
    from daily.days import local_today
    from daily.models import Checkin, Dsap, Lapse, PracticeLog, UrgeLog

    rows: list[list] = [[], [], [], []]
    dsaps = []
    for index, user in enumerate(users):
        today = local_today(now=now, tz=user.timezone)
        position, offset = divmod(index, LONG_EVERY)
        if position < samples and offset == 0:
            made = _daily_rows(user, HISTORY_DAYS, today, rng, full=True)
            dsaps.append(
                Dsap(
                    client=user,
                    version=1,
                    created_at=now - timedelta(days=HISTORY_DAYS),
                    bottom_lines="No browsing alone late.",
                    warning_signs="Staying up late.",
                    anchors="Walk\nCall a friend",
                )  # fmt: skip
            )
        elif position < samples and offset == NONE_OFFSET:
            continue
        elif rng.random() < 0.6:
            made = _daily_rows(user, rng.randint(1, 28), today, rng, full=False)
        else:
            continue
        for bucket, found in zip(rows, made, strict=True):
            bucket.extend(found)
    Checkin.objects.bulk_create(rows[0], batch_size=5000)
    checkin_ids = {
        (client_id, day): pk
        for pk, client_id, day in Checkin.objects.filter(
            client__email__startswith=course.EMAIL_PREFIX
        ).values_list("pk", "client_id", "day")
    }
    for lapse in rows[1]:
        lapse.checkin_id = checkin_ids.get((lapse.client_id, lapse.day))
    Lapse.objects.bulk_create(rows[1], batch_size=5000)
    UrgeLog.objects.bulk_create(rows[2], batch_size=5000)
    PracticeLog.objects.bulk_create(rows[3], batch_size=5000)
    Dsap.objects.bulk_create(dsaps)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _evening() -> dict[str, str]:
    """A valid evening review for the check-in page (daily.forms.CheckinEveningForm, sent with
    the evening part's Save button)."""
    return {
        "part": "evening",
        "mood": "6",
        "urge": "3",
        "loudest_part": "witness",
        "bottom_lines": "held",
        "helped": "A walk after work.",
        "safe": "yes",
    }


def _visit(client: Client, method: str, url: str, data: dict | None) -> tuple[float, int]:
    """Server time of one visit in ms and its status (no query capture: Django's debug cursor
    would add its own cost to every query)."""
    started = time.perf_counter()
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    return (time.perf_counter() - started) * 1000, response.status_code


def _count(client: Client, method: str, url: str, data: dict | None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        if method == "post":
            client.post(url, data or {})
        else:
            client.get(url)
    return len(ctx.captured_queries)


def _pages() -> dict[str, tuple[str, str, dict | None]]:
    return {
        "floor": ("get", reverse("bench_floor"), None),
        "today_get": ("get", reverse("daily:today"), None),
        "today_post": ("post", reverse("daily:today"), _evening()),
        "trends_4_weeks": ("get", reverse("daily:trends"), None),
        "trends_12_weeks": ("get", reverse("daily:trends") + "?weeks=12", None),
    }


def seeded(*, enrollments: int, samples: int, now: datetime, rng: random.Random):
    """The bench clients (seeding the course bench and the daily history first if they are not
    there): every client by id, the ones with 180 days, and the seconds seeding took (None when
    nothing was seeded)."""
    from accounts.models import User
    from daily.models import Checkin

    seed_seconds = None
    started = time.perf_counter()
    existing = User.objects.filter(email__startswith=course.EMAIL_PREFIX).count()
    if existing != enrollments:
        if existing:
            raise SystemExit(
                f"The database holds {existing} bench clients; use a fresh database "
                "(bench data is never deleted automatically)."
            )
        course._seed(enrollments, rng)
    users = list(User.objects.filter(email__startswith=course.EMAIL_PREFIX).order_by("pk"))
    if not Checkin.objects.filter(client__email__startswith=course.EMAIL_PREFIX).exists():
        _seed_daily(users, samples=samples, now=now, rng=rng)
        seed_seconds = round(time.perf_counter() - started, 1)
    long = [users[i * LONG_EVERY] for i in range(samples) if i * LONG_EVERY < len(users)]
    return users, long, seed_seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=20, help="clients with 180 days timed")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from django.core.management import call_command

    from daily.models import Checkin

    call_command("migrate", verbosity=0)
    now = datetime.now(UTC)
    users, long, seed_seconds = seeded(
        enrollments=args.enrollments, samples=args.samples, now=now, rng=rng
    )
    empty = users[NONE_OFFSET]

    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        names = tuple(_pages())
        times: dict[str, list[float]] = {name: [] for name in names}
        statuses: dict[str, set[int]] = {name: set() for name in names}
        queries: dict[str, dict[str, int]] = {name: {} for name in names}
        # Queries for a client with no history and one with 180 days (each page warmed first).
        for label, user in (("0_days", empty), ("180_days", long[0])):
            client = Client()
            client.force_login(user)
            for name, (method, url, data) in _pages().items():
                _visit(client, method, url, data)
                queries[name][label] = _count(client, method, url, data)
        for user in long:
            client = Client()
            client.force_login(user)
            pages = _pages()
            for method, url, data in pages.values():
                _visit(client, method, url, data)  # warm this client's session
            for _ in range(args.repeats):
                for name, (method, url, data) in pages.items():
                    elapsed, status = _visit(client, method, url, data)
                    times[name].append(elapsed)
                    statuses[name].add(status)

    floor_ms = statistics.median(times["floor"])
    result = {
        "benchmark": "daily pages",
        "database": connection.vendor,
        "clients": len(users),
        "check_ins": Checkin.objects.count(),
        "seed_seconds": seed_seconds,
        "clients_timed": len(long),
        "history_days_of_timed_clients": HISTORY_DAYS,
        "samples_per_page": len(long) * args.repeats,
        "pages": {
            name: {
                "status": sorted(statuses[name]),
                "median_ms": round(statistics.median(values), 2),
                "p90_ms": round(sorted(values)[int(0.9 * (len(values) - 1))], 2),
                "queries": queries[name],
                "x_floor": round(statistics.median(values) / floor_ms, 2),
            }
            for name, values in times.items()
        },
        "goal": "each page within 2x the floor; queries the same at 0 and 180 days",
    }
    answered = {name: page["status"] for name, page in result["pages"].items() if name != "floor"}
    result["pages_not_built_yet"] = sorted(
        name for name, codes in answered.items() if codes == [404]
    )
    result["goal_met"] = all(
        page["x_floor"] <= 2
        and len(set(page["queries"].values())) == 1
        and set(page["status"]) <= {200, 302, 303}
        for name, page in result["pages"].items()
        if name != "floor"
    )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
