"""The client's records as one JSON-ready document: everything they wrote and everything recorded
about their participation, and nothing of anyone else's.

Left out on purpose: the care team's own session notes (care.ProgressNote are the clinician's
clinical record, S-6; the client asks their clinician for a copy), pacing notes and risk flags
(written by the care team about the client's care), other people's names (a reply to a worksheet
says "your care team"), message tokens and links, and card or Stripe details. Each section is one
query whatever the length of the history (tests/records/test_export.py holds it flat)."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import AgreementAcceptance, User
from care.models import SafetyPlan
from courses.models import (
    Enrollment,
    LessonProgress,
    ModuleRelease,
    WorksheetFeedback,
    WorksheetResponse,
)
from daily.models import Checkin, Dsap, Lapse, Part, PartsEntry, PracticeLog, UrgeLog
from measures.models import Administration
from notifications.models import Notification
from payments.models import Payment

SCHEMA_VERSION = 1

# The sections in the order the printable page shows them: (key, heading).
SECTIONS = (
    ("profile", "Your profile"),
    ("agreements", "Agreements you accepted"),
    ("enrollments", "Your programs"),
    ("releases", "Weeks opened to you"),
    ("lesson_progress", "Lessons and your SUDS ratings"),
    ("worksheets", "Your worksheets, every version, with the replies to them"),
    ("checkins", "Your check-ins"),
    ("dsap_versions", "Your daily plan (DSAP), every version"),
    ("lapses", "Lapses and their chain analyses"),
    ("urge_logs", "Urge log"),
    ("practice_logs", "Practice log"),
    ("parts_journal", "Parts journal"),
    ("safety_plan_versions", "Your safety plan, every version"),
    ("measures", "Questionnaires you answered"),
    ("messages", "Messages sent to you"),
    ("payments", "Payments"),
)

PART_LABELS = dict(Part.choices)


class _Clock:
    """Instants as ISO 8601 text in the client's own zone."""

    def __init__(self, tz: str) -> None:
        self.zone = ZoneInfo(tz)

    def at(self, value: datetime | None) -> str | None:
        return value.astimezone(self.zone).isoformat() if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def _label(choices: Any, value: str) -> str:
    return dict(choices).get(value, value) if value else ""


def _profile(client: User, clock: _Clock) -> dict[str, Any]:
    return {
        "email": client.email,
        "preferred_name": client.preferred_name,
        "timezone": client.timezone,
        "phone": client.phone,
        "joined_at": clock.at(client.date_joined),
    }


def _enrollments(client: User, clock: _Clock) -> list[dict[str, Any]]:
    rows = Enrollment.objects.filter(client=client).select_related("track", "cohort")
    return [
        {
            "id": e.pk,
            "track": e.track.title,
            "cohort": e.cohort.name if e.cohort is not None else None,
            "status": e.get_status_display(),
            "start_date": _day(e.start_date),
            "paused_days": e.paused_days,
            "created_at": clock.at(e.created_at),
        }
        for e in rows.order_by("created_at", "pk")
    ]


def _releases(client: User, clock: _Clock) -> list[dict[str, Any]]:
    rows = ModuleRelease.objects.filter(enrollment__client=client).select_related("module")
    return [
        {
            "enrollment_id": r.enrollment_id,
            "week": r.module.week,
            "title": r.module.title,
            "released_at": clock.at(r.released_at),
            "reason": r.get_reason_display(),
        }
        for r in rows.order_by("released_at", "pk")
    ]


def _progress(client: User, clock: _Clock) -> list[dict[str, Any]]:
    rows = LessonProgress.objects.filter(enrollment__client=client).select_related("lesson__module")
    return [
        {
            "enrollment_id": p.enrollment_id,
            "week": p.lesson.module.week,
            "lesson": p.lesson.title,
            "started_at": clock.at(p.started_at),
            "completed_at": clock.at(p.completed_at),
            "not_today_at": clock.at(p.deferred_at),
            "suds_before": p.suds_before,
            "suds_after": p.suds_after,
        }
        for p in rows.order_by("lesson__module__week", "lesson__order", "pk")
    ]


def _worksheets(client: User, clock: _Clock) -> list[dict[str, Any]]:
    # The replies in one query of their own (always made, so the count never depends on
    # whether there are worksheets), grouped by version here.
    replies: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for f in WorksheetFeedback.objects.filter(response__enrollment__client=client).order_by(
        "created_at", "pk"
    ):
        replies[f.response_id].append(
            {"from": "Your care team", "at": clock.at(f.created_at), "text": f.text}
        )
    rows = WorksheetResponse.objects.filter(enrollment__client=client).select_related(
        "lesson__module"
    )
    return [
        {
            "enrollment_id": w.enrollment_id,
            "week": w.lesson.module.week,
            "lesson": w.lesson.title,
            "status": w.get_status_display(),
            "version": w.version,
            "created_at": clock.at(w.created_at),
            "submitted_at": clock.at(w.submitted_at),
            "answers": w.answers,
            "replies": replies.get(w.pk, []),
        }
        for w in rows.order_by("lesson__module__week", "lesson__order", "version", "pk")
    ]


def _checkins(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {
            "day": _day(c.day),
            "late": c.late,
            "intention": c.intention,
            "morning_at": clock.at(c.morning_at),
            "anchors_offered": c.anchors_offered,
            "anchors_done": c.anchors_done,
            "mood": c.mood,
            "urge": c.urge,
            "loudest_part": PART_LABELS.get(c.loudest_part, c.loudest_part),
            "bottom_lines": c.get_bottom_lines_display() if c.bottom_lines else "",
            "helped": c.helped,
            "safe": c.get_safe_display() if c.safe else "",
            "evening_at": clock.at(c.evening_at),
        }
        for c in Checkin.objects.filter(client=client).order_by("day")
    ]


def _dsaps(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {
            "version": d.version,
            "saved_at": clock.at(d.created_at),
            "bottom_lines": d.bottom_lines,
            "warning_signs": d.warning_signs,
            "anchors": d.anchors,
        }
        for d in Dsap.objects.filter(client=client).order_by("version")
    ]


def _lapses(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {
            "day": _day(lapse.day),
            "recorded_at": clock.at(lapse.created_at),
            "chain_analysis": {
                "situation": lapse.situation,
                "body": lapse.body,
                "thought": lapse.thought,
                "part": PART_LABELS.get(lapse.part, lapse.part),
                "stage": _label(Lapse.Stage.choices, lapse.stage),
                "needed": lapse.needed,
                "next_time": lapse.next_time,
                "completed_at": clock.at(lapse.completed_at),
            },
        }
        for lapse in Lapse.objects.filter(client=client).order_by("day", "pk")
    ]


def _urges(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {
            "at": clock.at(u.at),
            "intensity": u.intensity,
            "where": u.get_where_display(),
            "did": u.get_did_display(),
        }
        for u in UrgeLog.objects.filter(client=client).order_by("at", "pk")
    ]


def _practices(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {
            "at": clock.at(p.at),
            "practice": p.get_practice_display(),
            "suds_before": p.suds_before,
            "suds_after": p.suds_after,
        }
        for p in PracticeLog.objects.filter(client=client).order_by("at", "pk")
    ]


def _parts(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {
            "at": clock.at(e.at),
            "parts": [PART_LABELS.get(part, part) for part in e.parts],
            "text": e.text,
        }
        for e in PartsEntry.objects.filter(client=client).order_by("at", "pk")
    ]


def _safety_plans(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {"version": plan.version, "saved_at": clock.at(plan.created_at), **plan.sections()}
        for plan in SafetyPlan.objects.filter(client=client).order_by("version")
    ]


def _measures(client: User, clock: _Clock) -> list[dict[str, Any]]:
    rows = Administration.objects.filter(client=client).select_related("instrument")
    return [
        {
            "instrument": a.instrument.title,
            "submitted_at": clock.at(a.submitted_at),
            "answers": a.answers,
            "total": a.total,
            "band": a.band,
            "change_since_first": a.change,
        }
        for a in rows.order_by("submitted_at", "pk")
    ]


def _messages(client: User, clock: _Clock) -> list[dict[str, Any]]:
    rows = Notification.objects.filter(user=client).only(
        "kind", "channel", "status", "created_at", "scheduled_for", "sent_at"
    )
    return [
        {
            "kind": n.get_kind_display(),
            "channel": n.get_channel_display(),
            "status": n.get_status_display(),
            "created_at": clock.at(n.created_at),
            "sent_at": clock.at(n.sent_at),
        }
        for n in rows.order_by("created_at", "pk")
    ]


def _payments(client: User, clock: _Clock) -> list[dict[str, Any]]:
    rows = Payment.objects.filter(account__enrollment__client=client).only(
        "amount", "currency", "refunded_amount", "status", "paid_at"
    )
    return [
        {
            "paid_at": clock.at(p.paid_at),
            "amount": _money(p.amount),
            "refunded": _money(p.refunded_amount),
            "currency": p.currency.upper(),
            "status": p.get_status_display(),
        }
        for p in rows.order_by("paid_at", "pk")
    ]


def _agreements(client: User, clock: _Clock) -> list[dict[str, Any]]:
    return [
        {
            "document": a.get_document_display(),
            "version": a.version,
            "accepted_at": clock.at(a.accepted_at),
        }
        for a in AgreementAcceptance.objects.filter(user=client).order_by("accepted_at", "pk")
    ]


def export_build(*, client: User, now: datetime) -> dict[str, Any]:
    """The client's records as a JSON-ready dict (strings, numbers, lists, dicts), with a schema
    version and the instant it was prepared. Reads only; a fixed number of queries."""
    clock = _Clock(client.timezone)
    return {
        "schema_version": SCHEMA_VERSION,
        "prepared_at": clock.at(now),
        "not_included": (
            "Your care team's own session notes are part of the clinical record; ask your "
            "clinician for a copy."
        ),
        "profile": _profile(client, clock),
        "agreements": _agreements(client, clock),
        "enrollments": _enrollments(client, clock),
        "releases": _releases(client, clock),
        "lesson_progress": _progress(client, clock),
        "worksheets": _worksheets(client, clock),
        "checkins": _checkins(client, clock),
        "dsap_versions": _dsaps(client, clock),
        "lapses": _lapses(client, clock),
        "urge_logs": _urges(client, clock),
        "practice_logs": _practices(client, clock),
        "parts_journal": _parts(client, clock),
        "safety_plan_versions": _safety_plans(client, clock),
        "measures": _measures(client, clock),
        "messages": _messages(client, clock),
        "payments": _payments(client, clock),
    }
