"""The caseload at scale: `python -m bench.caseload [--enrollments N] [--repeats N]`.

Seeds N enrollments (default 10,000, as bench.course does, and reusing its data when the database
already holds them), assigns 60 of the clients to one clinician and 5 to another, each with a few
worksheets waiting, a hold and a pause among them, then times the caseload page for both
clinicians in-process, round-robin with the floor view (a page that only renders the base
template), and prints JSON: median and p90 server time, query count, and each page's multiple of
the floor. The goal: the 60-client caseload within twice the floor, with the same query count as
the 5-client one.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ehab.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench.course import EMAIL_PREFIX, _count_queries, _seed, _time  # noqa: E402

CLINICIAN_EMAIL = "bench-clinician-{size}@example.org"
SIZES = (60, 5)


def _clinician(size: int, clients: list):
    """A clinician following `clients` (created once; later runs reuse them)."""
    from accounts.models import User
    from accounts.roles import Role
    from care.models import CareAssignment
    from courses.models import (
        Enrollment,
        PacingAction,
        PacingKind,
        PacingReason,
    )

    email = CLINICIAN_EMAIL.format(size=size)
    clinician = User.objects.filter(email=email).first()
    if clinician is not None:
        return clinician
    clinician = User.objects.create_user(email, role=Role.CLINICIAN, preferred_name=f"Dr. {size}")
    CareAssignment.objects.bulk_create(
        CareAssignment(clinician=clinician, client=client) for client in clients
    )
    enrollments = list(
        Enrollment.objects.filter(client__in=clients).select_related("track").order_by("pk")
    )
    for enrollment in enrollments[::7]:
        module = enrollment.track.modules.order_by("-week").first()
        PacingAction.objects.create(
            enrollment=enrollment,
            kind=PacingKind.HOLD,
            reason_code=PacingReason.CLINICAL_JUDGEMENT,
            author=clinician,
            module=module,
        )
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments[3::11]]).update(status="paused")
    return clinician


def _signed_in(user) -> Client:
    """A test client signed in as staff with a second factor proved in this session."""
    from allauth.mfa.models import Authenticator

    from accounts.session_policy import MFA_VERIFIED

    client = Client()
    client.force_login(user)
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}}
    )
    session = client.session
    session[MFA_VERIFIED] = time.time()
    session.save()
    return client


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=60, help="timed visits per page")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    from accounts.models import User
    from courses.models import Enrollment

    call_command("migrate", verbosity=0)
    existing = User.objects.filter(email__startswith=EMAIL_PREFIX).count()
    seed_seconds = None
    if existing == 0:
        started = time.perf_counter()
        _seed(args.enrollments, rng)
        seed_seconds = round(time.perf_counter() - started, 1)
    elif existing != args.enrollments:
        raise SystemExit(f"The database holds {existing} bench clients; use a fresh database.")

    bench_clients = list(User.objects.filter(email__startswith=EMAIL_PREFIX).order_by("pk"))
    clinicians = {
        60: _clinician(60, bench_clients[:60]),
        5: _clinician(5, bench_clients[60:65]),
    }
    names = ("floor", "caseload_60", "caseload_5")
    times: dict[str, list[float]] = {name: [] for name in names}
    queries: dict[str, int] = dict.fromkeys(names, 0)
    with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
        visits = {
            "floor": (_signed_in(clinicians[60]), reverse("bench_floor")),
            "caseload_60": (_signed_in(clinicians[60]), reverse("care:caseload")),
            "caseload_5": (_signed_in(clinicians[5]), reverse("care:caseload")),
        }
        for name, (client, url) in visits.items():
            client.get(url)  # warm the session and the per-process caches
            queries[name] = _count_queries(client, url)
        for _ in range(args.repeats):
            for name, (client, url) in visits.items():
                times[name].append(_time(client, url))

    floor_ms = statistics.median(times["floor"])
    result = {
        "benchmark": "caseload",
        "database": connection.vendor,
        "enrollments": Enrollment.objects.filter(client__email__startswith=EMAIL_PREFIX).count(),
        "seed_seconds": seed_seconds,
        "samples_per_page": args.repeats,
        "pages": {
            name: {
                "median_ms": round(statistics.median(values), 2),
                "p90_ms": round(sorted(values)[int(0.9 * (len(values) - 1))], 2),
                "queries": queries[name],
                "x_floor": round(statistics.median(values) / floor_ms, 2),
            }
            for name, values in times.items()
        },
        "goal": "the 60-client caseload within 2x the floor; same queries at 5 and 60 clients",
    }
    pages = result["pages"]
    result["goal_met"] = (
        pages["caseload_60"]["x_floor"] <= 2
        and pages["caseload_60"]["queries"] == pages["caseload_5"]["queries"]
    )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
