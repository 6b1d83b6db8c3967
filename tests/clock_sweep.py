"""The clock sweep: the whole suite (browser journeys aside) run from awkward instants.

Each run starts pytest with `--clock=<instant>` (tests/conftest.py), so the clock travels from
that instant for the whole session, and with the process time zone (`TZ`) and the server's time
zone (`DJANGO_TIME_ZONE`) set to a zone of its own. A test or a service that reads the wall clock
instead of taking `now` fails at one of these instants. Browser journeys stay out: Chromium keeps
the real clock, so cookies set from a travelled clock would expire in it. So do the HTML validity
tests (marker `html`): they freeze their own clock, and each run would start a JVM for nothing.

    python -m tests.clock_sweep            # every instant, two runs at a time
    python -m tests.clock_sweep --jobs 1   # one at a time
    python -m tests.clock_sweep -- -x -k releases   # extra pytest arguments after --

Runs side by side get their own test database (DATABASE_URL's name + a suffix) and their own
Redis database (REDIS_URL's number counting down), so the Celery worker tests never share a
broker. Prints one line per instant and a JSON summary; exits 1 if any run failed.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Instant:
    label: str
    at: str  # ISO 8601, UTC
    zone: str  # the process TZ and the server's TIME_ZONE for this run


INSTANTS = [
    Instant("Monday 00:30 UTC (Sunday evening in New York)", "2026-12-07T00:30:00Z", "UTC"),
    Instant("Sunday 23:59 in Los Angeles", "2026-12-14T07:59:00Z", "America/Los_Angeles"),
    Instant("05:59 in New York on a release Monday", "2027-01-04T10:59:00Z", "America/New_York"),
    Instant("06:01 in New York on a release Monday", "2027-01-04T11:01:00Z", "Asia/Kolkata"),
    Instant("New York springs forward (01:59 EST)", "2027-03-14T06:59:00Z", "Pacific/Kiritimati"),
    Instant(
        "New York falls back (01:59 EDT, the first)", "2026-11-01T05:59:00Z", "Pacific/Chatham"
    ),
    Instant("31 December 23:59 UTC", "2026-12-31T23:59:00Z", "Australia/Lord_Howe"),
    Instant("29 February, noon UTC", "2028-02-29T12:00:00Z", "America/St_Johns"),
]

# pytest's last line, with or without -q's borders: "752 passed, 13 skipped in 61.02s (0:01:01)".
SUMMARY = re.compile(r"^=* ?(\d+ (?:passed|failed|errors?)\b.*?) in [\d.]+s", re.MULTILINE)


def _database_url(base: str, suffix: str) -> str:
    if not base or base.startswith("sqlite"):
        return base  # SQLite tests use an in-memory database: nothing shared
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def _redis_url(base: str, index: int) -> str:
    if not base:
        return base
    parts = urlsplit(base)
    number = int(parts.path.strip("/") or 15) - index
    if number <= 0:
        raise SystemExit("Too many parallel runs for the Redis databases available.")
    return urlunsplit(parts._replace(path=f"/{number}"))


def run_one(index: int, instant: Instant, jobs: int, extra: list[str]) -> dict:
    env = dict(os.environ)
    env.update(TZ=instant.zone, DJANGO_TIME_ZONE=instant.zone, PYTHONUNBUFFERED="1")
    slot = index % jobs
    if jobs > 1:
        env["DATABASE_URL"] = _database_url(os.environ.get("DATABASE_URL", ""), f"clock{slot}")
        env["REDIS_URL"] = _redis_url(os.environ.get("REDIS_URL", ""), slot)
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-m", "not browser and not html", f"--clock={instant.at}", *extra,
    ]  # fmt: skip
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    found = SUMMARY.findall(result.stdout)
    outcome = {
        "instant": instant.at,
        "label": instant.label,
        "zone": instant.zone,
        "ok": result.returncode == 0,
        "summary": found[-1] if found else f"exit {result.returncode}",
        "seconds": round(seconds, 1),
    }
    if result.returncode != 0:
        failures = [
            line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))
        ]
        outcome["failures"] = (
            failures or result.stdout.splitlines()[-40:] + result.stderr.splitlines()[-20:]
        )
    return outcome


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("EHAB_CLOCK_JOBS", "2")))
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)
    jobs = max(1, min(args.jobs, len(INSTANTS)))
    extra_args = args.pytest_args
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [
            pool.submit(run_one, i, instant, jobs, extra_args) for i, instant in enumerate(INSTANTS)
        ]
        results = []
        for future in futures:
            outcome = future.result()
            results.append(outcome)
            mark = "ok  " if outcome["ok"] else "FAIL"
            line = f"{mark} {outcome['instant']}  TZ={outcome['zone']:<20}"
            line += f" {outcome['seconds']:>6.1f} s  {outcome['summary']}  ({outcome['label']})"
            print(line, flush=True)
            for line in outcome.get("failures", []):
                print(f"       {line}", flush=True)
    total = round(time.monotonic() - started, 1)
    failed = [r["instant"] for r in results if not r["ok"]]
    print(json.dumps({"instants": len(results), "failed": failed, "jobs": jobs, "seconds": total}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
