"""The client's records pages (/me/records/): what a copy holds, preparing one behind a fresh
sign-in, the opaque link (hashed at rest, the owner's alone, 24 hours, each download audited
without content), and the task that builds the copy (idempotent, failing calmly)."""

import json
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
from django.urls import reverse

from audit.models import Action, AuditEvent
from audit.selectors import audit_denials_counted
from records.models import RecordExport, token_digest
from records.services import record_export_build, record_export_request
from records.tasks import build_record_export, expire_record_exports
from tests.records.history import NOW, write_history

CANARY = "canary-ALEX-records-5d1"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def history(client_a, clinician, instruments):
    write_history(client=client_a, days=14, canary=CANARY, replier=clinician)


def _prepare(client) -> str:
    """POST "Prepare my records"; returns the link's token from the redirect."""
    response = client.post(reverse("records:prepare"))
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith("/me/records/"), location
    return location.removeprefix("/me/records/").strip("/")


def _ready(client_a, clock) -> tuple[RecordExport, str]:
    requested = record_export_request(client=client_a, now=NOW)
    record_export_build(export_id=requested.export.pk, now=NOW)
    requested.export.refresh_from_db()
    return requested.export, requested.token


# --- the page ----------------------------------------------------------------------------------


def test_the_records_page_says_what_is_included_and_what_is_not(client, client_a, signed_in):
    signed_in(client_a)
    page = client.get(reverse("records:home")).content.decode()
    assert "Prepare my records" in page
    assert "Lessons and your SUDS ratings" in page
    assert "Your safety plan, every version" in page
    assert (
        "Your care team's own session notes are part of the clinical record; ask your "
        "clinician for a copy" in page.replace("&#x27;", "'")
    )


def test_the_records_page_is_for_clients_only(client, clinician, admin_user, signed_in):
    for person in (clinician, admin_user):
        before = audit_denials_counted(actor_id=person.pk)
        signed_in(person)
        assert client.get(reverse("records:home")).status_code == 404
        assert audit_denials_counted(actor_id=person.pk) == before + 1


def test_the_records_page_makes_a_few_queries_whatever_the_number_of_copies(
    client, client_a, signed_in, django_assert_max_num_queries
):
    signed_in(client_a)
    client.get(reverse("records:home"))
    with django_assert_max_num_queries(8):
        client.get(reverse("records:home"))
    for _ in range(12):
        record_export_request(client=client_a, now=NOW)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("records:home")).content.decode()
    assert page.count("being prepared") == 5


# --- preparing a copy ----------------------------------------------------------------------------


def test_preparing_a_copy_asks_for_a_fresh_sign_in_first(client, client_a, signed_in, clock):
    signed_in(client_a)
    clock.shift(6 * 60)  # past the minutes a sign-in counts as fresh
    response = client.post(reverse("records:prepare"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not RecordExport.objects.exists()


def test_preparing_a_copy_stores_only_the_hash_of_its_token_and_enqueues_the_task(
    client, client_a, signed_in, clock, django_capture_on_commit_callbacks
):
    signed_in(client_a)
    with (
        mock.patch.object(build_record_export, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        token = _prepare(client)
    export = RecordExport.objects.get()
    delay.assert_called_once_with(export.pk)  # the id alone: no health data in task arguments
    assert export.status == RecordExport.Status.PENDING
    assert export.client == client_a and export.requested_at == NOW
    assert len(token) >= 43
    assert export.token_hash == token_digest(token) != token
    row = RecordExport.objects.filter(pk=export.pk).values().get()
    assert all(token not in str(value) for value in row.values())
    event = AuditEvent.objects.get(action=Action.RECORDS_EXPORT_REQUESTED)
    assert event.target_id == str(export.pk) and token not in json.dumps(event.metadata)


def test_a_copy_being_prepared_shows_a_calm_page_and_its_file_waits(
    client, client_a, signed_in, clock
):
    signed_in(client_a)
    with mock.patch.object(build_record_export, "delay"):
        token = _prepare(client)
    page = client.get(reverse("records:export", args=[token]))
    assert page.status_code == 200
    assert "Your copy is being prepared" in page.content.decode()
    response = client.get(reverse("records:export_json", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("records:export", args=[token])


def test_the_task_builds_the_copy_and_the_client_reads_and_downloads_it(
    client, client_a, signed_in, clock, history
):
    signed_in(client_a)
    with mock.patch.object(build_record_export, "delay"):
        token = _prepare(client)
    export = RecordExport.objects.get()
    build_record_export.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.status == RecordExport.Status.READY
    assert export.ready_at == NOW and export.expires_at == NOW + timedelta(hours=24)
    assert export.size > 1000

    page = client.get(reverse("records:export", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert CANARY in html
    assert "Download as a file (JSON)" in html

    response = client.get(reverse("records:export_json", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["schema_version"] == 1
    assert CANARY in document["checkins"][0]["helped"]


def test_every_download_is_audited_with_the_copys_id_and_never_its_content(
    client, client_a, signed_in, clock, history
):
    export, token = _ready(client_a, clock)
    signed_in(client_a)
    client.get(reverse("records:export", args=[token]))
    client.get(reverse("records:export_json", args=[token]))
    events = AuditEvent.objects.filter(action=Action.RECORDS_EXPORT_DOWNLOADED).order_by("id")
    assert [(e.target_id, e.metadata["format"]) for e in events] == [
        (str(export.pk), "html"),
        (str(export.pk), "json"),
    ]
    assert all(e.actor == client_a and e.subject == client_a for e in events)
    trail = json.dumps(list(AuditEvent.objects.values("metadata", "target_id", "target_type")))
    assert CANARY not in trail and token not in trail


def test_the_link_works_for_24_hours_and_then_says_calmly_that_it_has_expired(
    client, client_a, signed_in, clock, history
):
    export, token = _ready(client_a, clock)
    clock.shift(timedelta(hours=23, minutes=59))
    signed_in(client_a)
    assert client.get(reverse("records:export", args=[token])).status_code == 200
    clock.shift(timedelta(minutes=1))
    page = client.get(reverse("records:export", args=[token]))
    assert page.status_code == 410
    assert "This link has expired" in page.content.decode()
    assert client.get(reverse("records:export_json", args=[token])).status_code == 410
    export.refresh_from_db()
    assert export.status == RecordExport.Status.EXPIRED
    assert export.document is None  # the content goes with the link


def test_another_client_with_the_link_gets_404_and_a_denied_audit_row(
    client, client_a, client_b, signed_in, clock, history
):
    export, token = _ready(client_a, clock)
    signed_in(client_b)
    for name in ("records:export", "records:export_json"):
        before = audit_denials_counted(actor_id=client_b.pk)
        clock.shift(61)  # each refusal in a minute of its own, so each is its own row
        response = client.get(reverse(name, args=[token]))
        assert response.status_code == 404
        assert CANARY not in response.content.decode()
        assert audit_denials_counted(actor_id=client_b.pk) == before + 1
    denied = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=client_b).first()
    assert denied.target_type == "records.recordexport" and token not in denied.target_id
    assert not AuditEvent.objects.filter(action=Action.RECORDS_EXPORT_DOWNLOADED).exists()


def test_staff_and_the_signed_out_cannot_open_a_link(
    client, client_a, clinician, signed_in, clock, history
):
    _, token = _ready(client_a, clock)
    response = client.get(reverse("records:export", args=[token]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    signed_in(clinician)
    assert client.get(reverse("records:export", args=[token])).status_code == 404
    assert client.get(reverse("records:export_json", args=[token])).status_code == 404


def test_a_made_up_token_is_a_denied_404(client, client_a, signed_in, clock):
    signed_in(client_a)
    assert client.get(reverse("records:export", args=["not-a-token"])).status_code == 404
    assert client.get(reverse("records:export", args=["x" * 300])).status_code == 404


def test_the_pages_take_only_the_methods_they_answer(client, client_a, signed_in, clock):
    _, token = _ready(client_a, clock)
    signed_in(client_a)
    assert client.get(reverse("records:prepare")).status_code == 405
    assert client.post(reverse("records:home")).status_code == 405
    assert client.post(reverse("records:export", args=[token])).status_code == 405
    assert client.post(reverse("records:export_json", args=[token])).status_code == 405
    assert not RecordExport.objects.exclude(status=RecordExport.Status.READY).exists()


# --- the task ------------------------------------------------------------------------------------


def test_the_task_is_idempotent_a_second_run_changes_nothing(client_a, clock, history):
    requested = record_export_request(client=client_a, now=NOW)
    build_record_export.apply(args=[requested.export.pk])
    first = RecordExport.objects.get()
    clock.shift(3600)
    build_record_export.apply(args=[requested.export.pk])
    again = RecordExport.objects.get()
    assert (again.ready_at, again.expires_at, again.size) == (
        first.ready_at,
        first.expires_at,
        first.size,
    )
    assert AuditEvent.objects.filter(action=Action.RECORDS_EXPORT_READY).count() == 1


def test_the_task_ignores_a_copy_that_is_gone(db):
    assert build_record_export.apply(args=[987654]).successful()


def test_a_task_that_keeps_failing_marks_the_copy_failed_and_the_page_says_so(
    client, client_a, signed_in, clock
):
    requested = record_export_request(client=client_a, now=NOW)
    with mock.patch("records.tasks.record_export_build", side_effect=ValueError("boom")):
        result = build_record_export.apply(args=[requested.export.pk])
    assert result.failed()
    export = RecordExport.objects.get()
    assert export.status == RecordExport.Status.FAILED
    signed_in(client_a)
    page = client.get(reverse("records:export", args=[requested.token])).content.decode()
    assert "could not be prepared" in page


def test_a_database_hiccup_is_retried_and_the_copy_still_becomes_ready(client_a, clock):
    """The hiccup leaves the copy pending (a row, not a delayed task); beat's sweep five
    minutes later builds it again."""
    requested = record_export_request(client=client_a, now=NOW)
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("connection reset")
        return record_export_build(**kwargs)

    with mock.patch("records.tasks.record_export_build", side_effect=flaky):
        assert build_record_export.apply(args=[requested.export.pk]).successful()
        assert RecordExport.objects.get().status == RecordExport.Status.PENDING
        with mock.patch.object(build_record_export, "delay") as delay:
            expire_record_exports.apply()  # too soon: nothing is built again yet
            assert delay.call_count == 0
            clock.shift(timedelta(minutes=5))
            expire_record_exports.apply()
        delay.assert_called_once_with(requested.export.pk)
        result = build_record_export.apply(args=[requested.export.pk])
    assert result.successful() and calls["n"] == 2
    assert RecordExport.objects.get().status == RecordExport.Status.READY


def test_a_copy_still_pending_after_an_hour_is_given_up_so_the_client_can_ask_again(
    client_a, clock
):
    requested = record_export_request(client=client_a, now=NOW)
    clock.shift(timedelta(hours=1))
    with mock.patch.object(build_record_export, "delay") as delay:
        expire_record_exports.apply()
    assert delay.call_count == 0
    assert RecordExport.objects.get(pk=requested.export.pk).status == RecordExport.Status.FAILED


def test_beats_sweep_clears_every_copy_past_its_time_opened_or_not(client_a, clock, history):
    export, _ = _ready(client_a, clock)
    fresh = record_export_request(client=client_a, now=NOW + timedelta(hours=20))
    record_export_build(export_id=fresh.export.pk, now=NOW + timedelta(hours=20))
    clock.shift(timedelta(hours=24))
    assert expire_record_exports.apply().get() == 1
    export.refresh_from_db()
    assert (export.status, export.document) == (RecordExport.Status.EXPIRED, None)
    assert RecordExport.objects.get(pk=fresh.export.pk).status == RecordExport.Status.READY
    assert expire_record_exports.apply().get() == 0
