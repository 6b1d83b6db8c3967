"""Releases and notifications end to end, through a real Celery worker on Redis.

Each worker test starts `celery worker --pool=solo` as a subprocess (settings:
tests/notifications/worker_settings.py) on the pytest-django test database and the Redis named
by REDIS_URL, whose database is flushed first; the worker writes each email as a file, so a test
counts what really left. The tests prove: a due week is released once and announced once; two
sweeps at once change nothing; a worker killed in the middle of a send never loses a message and
never sends it twice; the site keeps working while the broker is down and the outbox catches up
afterwards, and a hung broker costs a request seconds, not a hang. The DST walk and the
quiet-hours test need no worker (pure database, any backend). With the production cache on a
Redis that is down, sign-in still works (the cache fails open).
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import kombu.pools
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from courses.models import Enrollment, LessonKind, ModuleRelease, WorksheetResponse
from courses.schedule import due_weeks
from courses.services.releases import enrollment_reschedule_and_release, release_sweep
from courses.tasks import sweep_releases
from ehab.celery import app as celery_app
from notifications.models import Channel, DeliverySettings, Kind, Notification, Preference, Status
from notifications.selectors import due_notification_ids
from notifications.services import (
    STALE_AFTER,
    OutboxItem,
    notification_deliver,
    notifications_recover_stale,
    outbox_enqueue,
)
from notifications.tasks import deliver_notification, relay_due_notifications
from tests.conftest import skip_unless_available
from tests.factories import PASSWORD, EnrollmentFactory, UserFactory, make_track

BASE_DIR = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 30
POLL_SECONDS = 0.2
CLOSED_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens here: the broker is "down"
NEW_YORK, CHICAGO = "America/New_York", "America/Chicago"


# --- Waiting, Redis and the worker ---------------------------------------------------------------


def wait_until(condition, what: str, timeout: float = WAIT_SECONDS):
    """Poll `condition` every 0.2 s until it returns something truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(POLL_SECONDS)


def reset_producer_pool() -> None:
    """Forget the in-process Celery connections, so the next publish uses `broker_url` afresh
    (and re-declares the queue binding a flushed Redis database has lost)."""
    kombu.pools.reset()  # closes every pooled connection and forgets the pools
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_db():
    """A clean, dedicated Redis database (REDIS_URL's, never 0): the broker of these tests."""
    url = django_settings.REDIS_URL
    if not url:
        skip_unless_available(
            "needs Redis: set REDIS_URL to a dedicated database (CI: redis://...:6379/15)"
        )
    db_number = urlsplit(url).path.strip("/")
    if not db_number.isdigit() or db_number == "0":
        skip_unless_available(
            f"REDIS_URL must name a dedicated Redis database other than 0 (got {url!r})"
        )
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()  # this database only
    reset_producer_pool()
    yield client
    reset_producer_pool()
    client.close()


class Worker:
    """One `celery worker --pool=solo` subprocess; its output goes to `log`."""

    def __init__(self, *, name: str, log: Path, env: dict[str, str]):
        self.name = name
        self.log = log
        self._log_file = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ehab", "worker", "--pool=solo",
             "--concurrency=1", "-Q", "celery", "--without-heartbeat", "--without-mingle",
             "--without-gossip", "--loglevel=INFO", "-n", f"{name}@%h"],
            cwd=BASE_DIR, env=env, stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def count(self, task: str, outcome: str) -> int:
        """How many `task` runs logged `outcome` ("received", "succeeded", "raised")."""
        return sum(1 for line in self.output().splitlines() if task in line and outcome in line)

    def wait_ready(self) -> None:
        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"Worker {self.name} exited at start:\n{self.output()}")
            return " ready." in self.output()

        wait_until(ready, f"worker {self.name} to start")

    def idle(self) -> bool:
        """Every task it received has finished (succeeded, failed or retried)."""
        received = self.count("Task ", " received")
        done = sum(self.count("Task ", word) for word in (" succeeded in ", " raised ", " retry:"))
        return received == done

    def kill(self) -> None:
        """SIGKILL: the process dies at once, wherever it is (no warm shutdown, no ack)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log_file.close()


@pytest.fixture
def mail_dir(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


# Django's file backend ends every message with a line of 79 dashes. Two worker processes can
# pick the same file name (timestamp to the second and the backend object's id, which forked
# processes share) and append to one file, so messages are counted by that line, not by files.
MESSAGE_END = "\n" + "-" * 79 + "\n"


def emails(folder: Path) -> list[str]:
    return [
        message
        for path in sorted(folder.iterdir())
        for message in path.read_text(errors="replace").split(MESSAGE_END)
        if message.strip()
    ]


@pytest.fixture
def start_worker(redis_db, mail_dir, tmp_path):
    """`start_worker(**env)` starts a worker on the test database and waits until it is ready;
    every worker is stopped at teardown, whatever happened."""
    workers: list[Worker] = []

    def _start(*, wait: bool = True, **extra_env: str) -> Worker:
        env = os.environ.copy()
        env.update(
            DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
            EHAB_WORKER_DB_NAME=connection.settings_dict["NAME"],
            EHAB_WORKER_EMAIL_DIR=str(mail_dir),
            REDIS_URL=django_settings.REDIS_URL,
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env)
        name = f"ehabtest-{len(workers) + 1}-{uuid.uuid4().hex[:6]}"
        worker = Worker(name=name, log=tmp_path / f"{name}.log", env=env)
        workers.append(worker)
        if wait:
            worker.wait_ready()
        return worker

    yield _start
    for worker in workers:
        worker.stop()


def wait_idle(redis_client, *workers: Worker) -> None:
    """The queue is empty and every worker has finished what it took, twice in a row."""
    seen = []

    def quiet():
        now_quiet = redis_client.llen("celery") == 0 and all(w.idle() for w in workers)
        seen.append(now_quiet)
        return len(seen) >= 2 and seen[-1] and seen[-2]

    wait_until(quiet, "the workers to drain the queue")


def assert_no_task_failed(*workers: Worker) -> None:
    for worker in workers:
        log = worker.output()
        assert " raised " not in log and "Traceback" not in log, log


# --- Data ----------------------------------------------------------------------------------------


def client_without_quiet_hours(*, tz: str = NEW_YORK, **kwargs):
    """A client whose messages go out at once, whatever hour the suite runs at."""
    user = UserFactory(timezone=tz, **kwargs)
    DeliverySettings.objects.create(user=user, quiet_start=dtime(0), quiet_end=dtime(0))
    return user


def enrollment_due(track, *, days_ago: int, tz: str = NEW_YORK) -> Enrollment:
    """A rolling enrollment that started `days_ago` local days ago and was last looked at before
    its first week opened: week 1 (and any later week by now) is due and not yet released."""
    user = client_without_quiet_hours(tz=tz)
    zone = ZoneInfo(tz)
    start = timezone.now().astimezone(zone).date() - timedelta(days=days_ago)
    enrollment = EnrollmentFactory(client=user, track=track, start_date=start)
    enrollment_reschedule_and_release(
        enrollment=enrollment, now=datetime.combine(start, dtime(0), tzinfo=zone)
    )
    enrollment.refresh_from_db()
    assert not ModuleRelease.objects.filter(enrollment=enrollment).exists()
    assert enrollment.next_release_at <= timezone.now()
    return enrollment


def weeks_due_now(enrollment: Enrollment) -> list[int]:
    track = enrollment.track
    return due_weeks(
        anchor=enrollment.anchor_date, weeks=track.weeks, release_weekday=track.release_weekday,
        release_time=track.release_time, tz=enrollment.client.timezone,
        paused_days=enrollment.paused_days, now=timezone.now(),
    )  # fmt: skip


def released_weeks(enrollment: Enrollment) -> list[int]:
    return sorted(
        ModuleRelease.objects.filter(enrollment=enrollment).values_list("module__week", flat=True)
    )


def outbox_row(user) -> Notification:
    """One "something new is ready" row, due now, written straight to the table: no wake-up is
    queued, so the test decides when the relay runs."""
    return Notification.objects.create(
        user=user, kind=Kind.MODULE_RELEASED, channel=Channel.EMAIL,
        dedupe_key=f"test:{uuid.uuid4().hex}", link_target="courses:dashboard",
        scheduled_for=timezone.now(),
    )  # fmt: skip


def status_of(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.status


# --- (a) A due week is released once and its message delivered once ------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_releases_a_due_week_and_delivers_its_message_once(
    start_worker, redis_db, mail_dir
):
    track = make_track(weeks=4, lessons_per_module=1, trauma_weeks=())
    enrollment = enrollment_due(track, days_ago=1)
    assert weeks_due_now(enrollment) == [1]
    worker = start_worker()

    sweep_releases.delay()

    sent = Notification.objects.filter(kind=Kind.MODULE_RELEASED, status=Status.SENT)
    wait_until(lambda: sent.exists() and len(emails(mail_dir)) >= 1, "the message to be sent")
    wait_idle(redis_db, worker)
    assert released_weeks(enrollment) == [1]
    notification = Notification.objects.get(kind=Kind.MODULE_RELEASED)
    assert notification.user == enrollment.client
    assert (notification.status, notification.attempts) == (Status.SENT, 1)
    assert notification.dedupe_key.startswith(f"module_released:{enrollment.pk}:")
    [email] = emails(mail_dir)
    assert enrollment.client.email in email and notification.provider_message_id in email
    assert worker.count("courses.tasks.sweep_releases", " succeeded in ") == 1
    assert_no_task_failed(worker)


# --- (b) Two sweeps at the same tick ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_at_the_same_moment_release_each_week_once_and_announce_it_once(
    start_worker, redis_db, mail_dir
):
    track = make_track(weeks=6, lessons_per_module=1, trauma_weeks=())
    enrollments = [enrollment_due(track, days_ago=15) for _ in range(3)]
    expected = {e.pk: weeks_due_now(e) for e in enrollments}
    assert all(len(weeks) >= 2 for weeks in expected.values())  # a catch-up of several weeks
    # Two workers, so the queued sweeps really run at the same time as the in-process ones.
    workers = [start_worker(wait=False), start_worker(wait=False)]
    for worker in workers:
        worker.wait_ready()

    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def enqueue():
        try:
            barrier.wait()
            sweep_releases.delay()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def sweep_here():
        try:
            barrier.wait()
            release_sweep(now=timezone.now())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enqueue) for _ in range(2)]
    threads += [threading.Thread(target=sweep_here) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT_SECONDS)
    assert not errors
    # The in-process sweeps woke the relay too (on commit); whoever sends, each goes out once.
    relay_due_notifications.delay()

    wait_until(
        lambda: (
            sum(w.count("courses.tasks.sweep_releases", " succeeded in ") for w in workers) == 2
        ),
        "both queued sweeps to finish",
    )
    wait_until(
        lambda: Notification.objects.filter(status=Status.SENT).count() == len(enrollments),
        "every message to be sent",
    )
    wait_idle(redis_db, *workers)
    for enrollment in enrollments:
        assert released_weeks(enrollment) == expected[enrollment.pk]
    assert ModuleRelease.objects.count() == sum(len(w) for w in expected.values())
    # One message per client for the whole catch-up, keyed by the newest week opened.
    assert Notification.objects.count() == len(enrollments)
    for enrollment in enrollments:
        notification = Notification.objects.get(user=enrollment.client)
        newest = track.modules.get(week=expected[enrollment.pk][-1])
        assert notification.dedupe_key == f"module_released:{enrollment.pk}:{newest.pk}"
        assert (notification.status, notification.attempts) == (Status.SENT, 1)
    bodies = emails(mail_dir)
    assert len(bodies) == len(enrollments)
    for enrollment in enrollments:
        assert sum(f"To: {enrollment.client.email}" in body for body in bodies) == 1
    assert_no_task_failed(*workers)


# --- (c) A worker killed in the middle of a send -----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("stall", "files_after_kill"),
    [("before", 0), ("after", 1)],
    ids=["killed-before-the-provider-took-it", "killed-after-the-provider-took-it"],
)
def test_a_worker_killed_during_the_send_leaves_the_message_uncertain_and_never_resends_it(
    start_worker, redis_db, mail_dir, tmp_path, stall, files_after_kill
):
    user = client_without_quiet_hours()
    notification = outbox_row(user)
    marker = tmp_path / "send-started"
    slow = start_worker(EHAB_WORKER_EMAIL_HANG=stall, EHAB_WORKER_EMAIL_MARKER=str(marker))

    relay_due_notifications.delay()

    def handed_off():
        notification.refresh_from_db()
        return marker.exists() and notification.handed_off_at is not None

    wait_until(handed_off, "the worker to hand the message to the transport")
    assert notification.status == Status.SENDING
    slow.kill()
    assert slow.proc.returncode == -signal.SIGKILL
    assert len(emails(mail_dir)) == files_after_kill
    assert status_of(notification) == Status.SENDING  # nobody recorded an outcome

    # A fresh claim is left alone; once stale, a handed-off row can only be `uncertain`.
    assert notifications_recover_stale(now=timezone.now()) == {"retried": 0, "uncertain": 0}
    later = timezone.now() + STALE_AFTER + timedelta(minutes=1)
    assert notifications_recover_stale(now=later) == {"retried": 0, "uncertain": 1}

    # A new worker, the relay, and the killed task's own message delivered again (as Redis
    # does after the visibility timeout): none of them sends it a second time.
    fresh = start_worker()
    relay_due_notifications.delay()
    deliver_notification.delay(notification.pk)
    wait_until(
        lambda: fresh.count("deliver_notification", " succeeded in ") == 1, "the redelivered task"
    )
    wait_idle(redis_db, fresh)
    notification.refresh_from_db()
    assert notification.status == Status.UNCERTAIN
    assert notification.attempts == 1 and notification.sent_at is None
    assert len(emails(mail_dir)) == files_after_kill
    assert_no_task_failed(fresh)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_after_the_claim_but_before_the_hand_off_leaves_it_to_be_sent_once(
    start_worker, redis_db, mail_dir
):
    user = client_without_quiet_hours()
    notification = outbox_row(user)
    first = start_worker()
    db_name = connection.settings_dict["NAME"]

    def worker_waits_on_a_lock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                " AND wait_event_type = 'Lock'",
                [db_name],
            )
            return cursor.fetchone()[0] > 0

    # Park the worker between its claim and the hand-off: rendering the message creates the
    # client's preference row, and an uncommitted row with the same key makes that insert wait.
    with transaction.atomic():
        Preference.objects.create(user=user, kind=Kind.MODULE_RELEASED)
        relay_due_notifications.delay()
        wait_until(lambda: status_of(notification) == Status.SENDING, "the worker's claim")
        wait_until(worker_waits_on_a_lock, "the worker to stop before the hand-off")
        first.kill()
        transaction.set_rollback(True)

    notification.refresh_from_db()
    assert (notification.status, notification.handed_off_at) == (Status.SENDING, None)
    assert emails(mail_dir) == []

    later = timezone.now() + STALE_AFTER + timedelta(minutes=1)
    assert notifications_recover_stale(now=later) == {"retried": 1, "uncertain": 0}
    assert status_of(notification) == Status.PENDING

    second = start_worker()
    relay_due_notifications.delay()
    deliver_notification.delay(notification.pk)  # the killed task's message, delivered again
    wait_until(lambda: status_of(notification) == Status.SENT, "the message to be sent")
    wait_until(
        lambda: second.count("deliver_notification", " succeeded in ") == 2,
        "both delivery tasks to finish",
    )
    wait_idle(redis_db, second)
    notification.refresh_from_db()
    assert notification.status == Status.SENT and notification.attempts == 1
    [email] = emails(mail_dir)
    assert user.email in email
    assert_no_task_failed(second)


# --- (d) The broker is down ----------------------------------------------------------------------


@pytest.fixture
def broker_down(settings):
    """The in-process code publishes to a port where nothing listens (the real Redis keeps
    running: other tests share it); the real broker is back at teardown."""
    real = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = CLOSED_BROKER
    celery_app.conf.broker_url = CLOSED_BROKER
    reset_producer_pool()

    def restore():
        celery_app.conf.broker_url = real
        settings.CELERY_BROKER_URL = real
        reset_producer_pool()

    yield restore
    restore()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_site_works_and_the_outbox_waits(
    client, redis_db, broker_down, start_worker, mail_dir
):
    track = make_track(weeks=4, lessons_per_module=3, trauma_weeks=())
    enrollment = enrollment_due(track, days_ago=1)
    user = enrollment.client
    with pytest.raises(Exception, match="6390"):
        relay_due_notifications.delay()  # the broker really is unreachable

    def timed(call, *args, **kwargs):
        began = time.monotonic()
        response = call(*args, **kwargs)
        assert time.monotonic() - began < 10, f"{args[0]} hung on the broker"
        return response

    response = timed(client.post, "/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    # Home releases week 1 (the lazy path) and tries to wake the relay, which cannot be reached.
    response = timed(client.get, "/", follow=True)
    assert response.status_code == 200
    assert released_weeks(enrollment) == [1]
    week1 = track.modules.get(week=1)
    assert timed(client.get, f"/me/weeks/{week1.pk}/").status_code == 200
    worksheet = week1.lessons.get(kind=LessonKind.WORKSHEET)
    answers = {"answer_warning-signs": "Tight chest", "answer_one-word": "tired",
               "answer_calm": "4"}  # fmt: skip
    response = timed(client.post, f"/me/lessons/{worksheet.pk}/worksheet/", answers)
    assert response.status_code == 302
    assert WorksheetResponse.objects.filter(lesson=worksheet, status="submitted").count() == 1
    # A message enqueued directly (with its own wake-up) waits too.
    with transaction.atomic():
        welcome = OutboxItem(user, Kind.WELCOME, f"welcome:{user.pk}")
        assert outbox_enqueue([welcome], now=timezone.now()) == 1
    waiting = Notification.objects.filter(user=user)
    assert sorted(waiting.values_list("kind", "status")) == [
        (Kind.MODULE_RELEASED, Status.PENDING),
        (Kind.WELCOME, Status.PENDING),
    ]
    assert emails(mail_dir) == []

    broker_down()  # Redis is back
    worker = start_worker()
    relay_due_notifications.delay()
    wait_until(
        lambda: waiting.filter(status=Status.SENT).count() == 2, "the waiting messages to go out"
    )
    wait_idle(redis_db, worker)
    assert len(emails(mail_dir)) == 2
    assert_no_task_failed(worker)


@pytest.mark.django_db
def test_with_redis_down_sign_in_still_works_with_the_production_cache(client, settings):
    """What production runs (REDIS_URL set): the rate-limit cache lives on Redis too, and fails
    open when Redis is down."""
    from ehab.settings import base as base_settings

    settings.CACHES = {
        "default": {
            "BACKEND": "ehab.cache.FailOpenRedisCache",
            "LOCATION": CLOSED_BROKER,
            "KEY_PREFIX": "ehab",
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.ACCOUNT_RATE_LIMITS = base_settings.ACCOUNT_RATE_LIMITS
    user = UserFactory()
    client.raise_request_exception = False
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers: a hung Redis, or a half-open network
    path to it. Yields its redis:// URL."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()
    for conn in held:
        conn.close()


def test_a_hung_broker_does_not_hang_the_request_that_wakes_the_relay(silent_redis, tmp_path):
    """The production settings, a Redis that never answers, and the wake-up a request runs on
    commit (the dashboard's lazy release, any enqueue): it must give up within seconds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ehab.settings.production",
        DJANGO_SECRET_KEY="abcdefghij" * 6,
        DJANGO_ALLOWED_HOSTS="ehab.example",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/unused",
        REDIS_URL=silent_redis,
        EHAB_SITE_URL="https://ehab.example",
        EHAB_VAR_DIR=str(tmp_path),
    )
    script = (
        "import django; django.setup()\n"
        "from notifications.services import relay_wake\n"
        "relay_wake()\n"
    )
    began = time.monotonic()
    try:
        subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, timeout=12,
                       check=True, capture_output=True)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("The relay wake-up was still waiting on the broker after 12 s.")
    assert time.monotonic() - began < 10


# --- (e) Across both DST changes, in two time zones (no worker) ----------------------------------


@pytest.mark.django_db
def test_a_year_of_weekly_releases_across_both_dst_changes_is_never_skipped_early_or_doubled():
    track = make_track(weeks=52, lessons_per_module=1, trauma_weeks=())
    first_monday = date(2026, 1, 5)
    before_start = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # Jan 4, evening, in both zones
    enrollments = {}
    for tz in (NEW_YORK, CHICAGO):
        enrollment = EnrollmentFactory(
            client=UserFactory(timezone=tz), track=track, start_date=first_monday
        )
        enrollment_reschedule_and_release(enrollment=enrollment, now=before_start)
        enrollments[tz] = enrollment
    mondays = [first_monday + timedelta(weeks=n) for n in range(52)]
    assert mondays[-1] == date(2026, 12, 28)

    def local(day, hour, minute, tz):
        return datetime.combine(day, dtime(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)

    # Week w opens on Monday w at 06:00 local; the offset from UTC changes on March 8 and Nov 1.
    due = {tz: {w: local(mondays[w - 1], 6, 0, tz) for w in range(1, 53)} for tz in enrollments}
    assert due[NEW_YORK][9] - due[NEW_YORK][10] != due[NEW_YORK][10] - due[NEW_YORK][11]
    assert {d.hour for d in due[CHICAGO].values()} == {11, 12}

    steps = sorted(
        local(day, hour, minute, tz)
        for day in mondays
        for tz in enrollments
        for hour, minute in ((5, 59), (6, 1))
    )
    for now in steps:
        release_sweep(now=now)
        for tz, enrollment in enrollments.items():
            expected = [w for w in range(1, 53) if due[tz][w] <= now]
            assert released_weeks(enrollment) == expected, f"{tz} at {now:%Y-%m-%d %H:%M} UTC"

    for tz, enrollment in enrollments.items():
        releases = ModuleRelease.objects.filter(enrollment=enrollment).select_related("module")
        assert releases.count() == 52
        for release in releases:
            week = release.module.week
            assert release.due_at == due[tz][week]
            # Never early, and no later than the first sweep after 06:00 local (06:01).
            assert release.released_at == due[tz][week] + timedelta(minutes=1)
        messages = Notification.objects.filter(user=enrollment.client, kind=Kind.MODULE_RELEASED)
        assert messages.count() == 52
        assert messages.values("dedupe_key").distinct().count() == 52


# --- (f) Quiet hours end in the client's own time zone (no worker) -------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("evening", "quiet_hours_end"),
    [
        # June 9, 22:30 in Chicago (CDT) → June 10, 08:00 in Chicago.
        (datetime(2026, 6, 10, 3, 30, tzinfo=UTC), datetime(2026, 6, 10, 13, 0, tzinfo=UTC)),
        # March 7-8, the night clocks spring forward (CST 22:30 → CDT 08:00).
        (datetime(2026, 3, 8, 4, 30, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
        # October 31-November 1, the night clocks fall back (CDT 22:30 → CST 08:00).
        (datetime(2026, 11, 1, 3, 30, tzinfo=UTC), datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    ],
    ids=["ordinary-night", "spring-forward-night", "fall-back-night"],
)
def test_quiet_hours_hold_a_message_until_eight_in_the_clients_time_zone(evening, quiet_hours_end):
    chicago = ZoneInfo(CHICAGO)
    assert evening.astimezone(chicago).time() == dtime(22, 30)
    assert quiet_hours_end.astimezone(chicago).time() == dtime(8, 0)
    user = UserFactory(timezone=CHICAGO)  # default quiet hours: 21:00-08:00

    assert outbox_enqueue([OutboxItem(user, Kind.MODULE_RELEASED, "ready:1")], now=evening) == 1
    notification = Notification.objects.get(dedupe_key="ready:1")
    assert (notification.status, notification.scheduled_for) == (Status.PENDING, quiet_hours_end)

    just_before = quiet_hours_end - timedelta(minutes=1)
    assert due_notification_ids(now=just_before) == []
    assert notification_deliver(notification_id=notification.pk, now=just_before) is None
    assert status_of(notification) == Status.PENDING
    assert mail.outbox == []

    assert due_notification_ids(now=quiet_hours_end) == [notification.pk]
    assert notification_deliver(notification_id=notification.pk, now=quiet_hours_end) == Status.SENT
    notification.refresh_from_db()
    assert notification.sent_at == quiet_hours_end
    [email] = mail.outbox
    assert email.to == [user.email]
