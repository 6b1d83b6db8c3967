"""The care team's pages at scale: `python -m bench.care [--enrollments N] [--caseload N]`.

Seeds the course bench's clients (bench.course: N enrollments, default 10,000, with twelve weeks
of releases, lessons, SUDS readings and submitted worksheets) on the database in DATABASE_URL if
they are not there yet, then gives one clinician a caseload of 60 of them (holds, a shift,
replies, reviews and open and resolved risk flags among them) and another clinician 5, and at
least 10,000 questionnaire answers (PHQ-9 and GAD-7: every caseload client's, and thousands of
other clients'). It times
the caseload page and the client's record page in-process, round-robin with the floor view, and
counts their queries for the clinician with 5 clients and the one with 60: the counts must be the
same. Prints JSON; the goal (issue 12) is each page within twice the floor with query counts
independent of caseload size.
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import course  # noqa: E402

CLINICIAN_EMAIL = "bench-clinician-{}@example.org"


def _clinician(size: int, *, now: datetime):
    """The clinician with `size` clients, made on first use from bench clients nobody follows."""
    from accounts.models import User
    from accounts.roles import Role
    from care.models import CareAssignment

    clinician, created = User.objects.get_or_create(
        email=CLINICIAN_EMAIL.format(size),
        defaults={"role": Role.CLINICIAN, "preferred_name": f"Clinician {size}"},
    )
    if created or not CareAssignment.objects.filter(clinician=clinician).exists():
        taken = CareAssignment.objects.values("client_id")
        clients = list(
            User.objects.filter(email__startswith=course.EMAIL_PREFIX)
            .exclude(pk__in=taken)
            .order_by("pk")[:size]
        )
        CareAssignment.objects.bulk_create(
            CareAssignment(clinician=clinician, client=client) for client in clients
        )
        _history(clinician, clients, now=now)
    return clinician


def _history(clinician, clients, *, now: datetime) -> None:
    """What a real caseload carries besides the course data: a week held for some, a pause for
    one, reviews and replies on some submitted worksheets."""
    from care.models import RiskFlag
    from courses.models import (
        Enrollment,
        PacingAction,
        PacingKind,
        PacingReason,
        WorksheetFeedback,
        WorksheetResponse,
        WorksheetReview,
    )

    enrollments = list(
        Enrollment.objects.filter(client__in=clients).select_related("track").order_by("pk")
    )
    actions = []
    for index, enrollment in enumerate(enrollments):
        if index % 6 == 0:
            released = set(enrollment.releases.values_list("module__week", flat=True))
            week = enrollment.track.modules.exclude(week__in=released).order_by("week").first()
            if week is not None:
                actions.append(
                    PacingAction(
                        enrollment=enrollment,
                        kind=PacingKind.HOLD,
                        module=week,
                        reason_code=PacingReason.STABILIZATION,
                        author=clinician,
                        created_at=now - timedelta(days=2),
                    )
                )
        if index % 10 == 5:
            actions.append(
                PacingAction(
                    enrollment=enrollment,
                    kind=PacingKind.SHIFT,
                    days=3,
                    reason_code=PacingReason.LIFE_EVENT,
                    author=clinician,
                    created_at=now - timedelta(days=5),
                )
            )
    PacingAction.objects.bulk_create(actions)
    # Risk flags: one open for every fifteenth client, one resolved for every tenth.
    flags = []
    for index, enrollment in enumerate(enrollments):
        if index % 15 == 7:
            flags.append(RiskFlag(client_id=enrollment.client_id, source=RiskFlag.Source.CLIENT,
                                  raised_at=now - timedelta(hours=3),
                                  escalate_at=now + timedelta(hours=1)))  # fmt: skip
        if index % 10 == 3:
            flags.append(RiskFlag(client_id=enrollment.client_id, source=RiskFlag.Source.MEASURE,
                                  raised_at=now - timedelta(days=9), escalate_at=now,
                                  status=RiskFlag.Status.RESOLVED, acknowledged_at=now,
                                  resolved_at=now, action_taken="contacted"))  # fmt: skip
    RiskFlag.objects.bulk_create(flags)
    submitted = list(
        WorksheetResponse.objects.filter(enrollment__in=enrollments, status="submitted").order_by(
            "pk"
        )
    )
    reviewed = submitted[::2]
    WorksheetReview.objects.bulk_create(
        WorksheetReview(response=response, reviewer=clinician, reviewed_at=now)
        for response in reviewed
    )
    WorksheetFeedback.objects.bulk_create(
        WorksheetFeedback(response=response, author=clinician, text="Thank you for this.")
        for response in reviewed[::3]
    )


ADMINISTRATIONS = 10_000


def _measures(rng: random.Random, caseload_clients: list[int], *, now: datetime) -> int:
    """At least ADMINISTRATIONS questionnaire answers (PHQ-9 and GAD-7, each a baseline and a
    follow-up, scored as the service scores them) over the bench clients, the caseloads' clients
    first with a third answer each; made once. Returns how many there are."""
    from accounts.models import User
    from measures.instruments import (
        InstrumentSpec,
        Score,
        instruments_load,
        read_instruments,
        reliable_change,
        score,
    )
    from measures.models import Administration, Instrument

    existing = Administration.objects.count()
    if existing >= ADMINISTRATIONS:
        return existing
    instruments_load(read_instruments())
    specs = [(i, InstrumentSpec.from_data(i.definition)) for i in Instrument.objects.all()]
    others = list(
        User.objects.filter(email__startswith=course.EMAIL_PREFIX)
        .exclude(pk__in=caseload_clients)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    per_client = 2 * len(specs)
    clients = caseload_clients + others[: ADMINISTRATIONS // per_client]
    spec_of = dict(specs)

    def answered(spec, level: int) -> tuple[dict[int, int], Score]:
        answers = {
            item.number: 0 if item.risk else min(3, max(0, level + rng.randint(-1, 1)))
            for item in spec.items
            if item.scored
        }
        return answers, score(spec, answers)

    baselines = []
    for client_id in clients:
        for instrument, spec in specs:
            answers, scored = answered(spec, rng.randint(0, 2))
            baselines.append(Administration(
                client_id=client_id, instrument=instrument, content_token=instrument.content_token,
                answers={str(k): v for k, v in answers.items()}, total=scored.total,
                band=scored.band.key, submitted_at=now - timedelta(days=42),
            ))  # fmt: skip
    Administration.objects.bulk_create(baselines, batch_size=2000)
    followups = []
    for baseline in baselines:
        spec = spec_of[baseline.instrument]
        rounds = (28, 14) if baseline.client_id in caseload_clients else (14,)
        for days in rounds:
            answers, scored = answered(spec, rng.randint(0, 3))
            change = reliable_change(spec, earlier=baseline.total, later=scored.total)
            followups.append(Administration(
                client_id=baseline.client_id, instrument=baseline.instrument,
                content_token=baseline.content_token,
                answers={str(k): v for k, v in answers.items()}, total=scored.total,
                band=scored.band.key, baseline=baseline, change=change.change,
                reliable_change_index=change.index, reliable_change=change.direction,
                submitted_at=now - timedelta(days=days),
            ))  # fmt: skip
    Administration.objects.bulk_create(followups, batch_size=2000)
    return Administration.objects.count()


def _signed_in(user) -> Client:
    from allauth.mfa.models import Authenticator

    from accounts.session_policy import MFA_VERIFIED

    if not Authenticator.objects.filter(user=user).exists():
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_VERIFIED] = time.time()
    session.save()
    return client


def _queries(client: Client, url: str) -> int:
    """The queries of one request to `url`, after a first one has warmed the session and the
    per-process caches (the track's structure), so that counts compare like with like."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return len(ctx.captured_queries)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--caseload", type=int, default=60)
    parser.add_argument("--samples", type=int, default=20, help="records sampled")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from accounts.models import User
    from care.models import CareAssignment
    from courses.models import Enrollment

    course.call_command("migrate", verbosity=0)
    existing = User.objects.filter(email__startswith=course.EMAIL_PREFIX).count()
    seed_seconds = None
    if existing == 0:
        started = time.perf_counter()
        course._seed(args.enrollments, rng)
        seed_seconds = round(time.perf_counter() - started, 1)
    elif existing < args.caseload + 5:
        raise SystemExit(f"The database holds only {existing} bench clients.")
    started = time.perf_counter()
    now = datetime.now(UTC)  # the bench's one reading of the clock: the history ends here
    small, large = _clinician(5, now=now), _clinician(args.caseload, now=now)
    followed = sorted(
        CareAssignment.objects.filter(clinician__in=[small, large]).values_list(
            "client_id", flat=True
        )
    )
    administrations = _measures(rng, followed, now=now)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    caseload_seconds = round(time.perf_counter() - started, 1)

    clients = list(
        CareAssignment.objects.filter(clinician=large, is_active=True).values_list(
            "client_id", flat=True
        )
    )
    samples = rng.sample(clients, min(args.samples, len(clients)))
    names = ("floor", "caseload", "record")
    times: dict[str, list[float]] = {name: [] for name in names}
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        browsers = {size: _signed_in(user) for size, user in ((5, small), (60, large))}
        caseload_url = reverse("care:caseload")
        small_client = CareAssignment.objects.filter(clinician=small).first().client_id
        queries = {
            "caseload": {
                "5_clients": _queries(browsers[5], caseload_url),
                f"{args.caseload}_clients": _queries(browsers[60], caseload_url),
            },
            "record": {
                "5_clients": _queries(
                    browsers[5], reverse("care:client_detail", args=[small_client])
                ),
                f"{args.caseload}_clients": _queries(
                    browsers[60], reverse("care:client_detail", args=[samples[0]])
                ),
            },
        }
        browser = browsers[60]
        for client_id in samples:
            urls = {
                "floor": reverse("bench_floor"),
                "caseload": caseload_url,
                "record": reverse("care:client_detail", args=[client_id]),
            }
            for url in urls.values():
                browser.get(url)  # warm
            for _ in range(args.repeats):
                for name, url in urls.items():
                    times[name].append(course._time(browser, url))

    floor_ms = statistics.median(times["floor"])
    pages = {
        name: {
            "median_ms": round(statistics.median(values), 2),
            "p90_ms": round(sorted(values)[int(0.9 * (len(values) - 1))], 2),
            "x_floor": round(statistics.median(values) / floor_ms, 2),
        }
        for name, values in times.items()
    }
    for name in ("caseload", "record"):
        pages[name]["queries"] = queries[name]
    result = {
        "benchmark": "care pages",
        "database": connection.vendor,
        "enrollments": Enrollment.objects.count(),
        "seed_seconds": seed_seconds,
        "caseload_seed_seconds": caseload_seconds,
        "caseload": args.caseload,
        "administrations": administrations,
        "records_sampled": len(samples),
        "samples_per_page": len(samples) * args.repeats,
        "pages": pages,
        "goal": "each page within 2x the floor; query counts the same for 5 and 60 clients",
    }
    result["goal_met"] = all(
        pages[name]["x_floor"] <= 2 and len(set(queries[name].values())) == 1
        for name in ("caseload", "record")
    )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
