"""Recording attendance: the session's own clinician marks each client present, late, left
early, absent or excused, with the minutes they attended; later corrections change the same
row. One transaction for the whole screen: every mark is stored, or none is.

Who may: only the clinician running the session (Occurrence.clinician). The page gates first
(a denied 404, meetings.selectors_attendance.occurrences_led_by); the service refuses anyone
else too. The trail records who marked whom at which session and, for a correction, the old and
new status and minutes: never a note.

A client marked absent whose previous group session with attendance was an absence too has
missed two in a row: meetings announces `MissedInARow` in the same transaction, and care
alerts the client's care team through the outbox (care/reminders.py).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from core.events import publish

from .events import MissedInARow
from .models import (
    NOT_THERE,
    Attendance,
    AttendanceStatus,
    Occurrence,
    OccurrenceStatus,
    SeriesKind,
)
from .selectors_attendance import missed_in_a_row, occurrence_length, session_clients


class AttendanceError(ValueError):
    """The marks cannot be stored as given. `errors` maps a client's id to what is wrong with
    their row (None: the session as a whole)."""

    def __init__(self, errors: dict[int | None, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Mark:
    """One client's mark: their status and, for present, late or left early, the minutes they
    attended (None for present: the whole session)."""

    client_id: int
    status: str
    minutes: int | None = None


def _minutes(mark: Mark, *, length: int) -> int | str:
    """The minutes to store for `mark`, or what is wrong with it."""
    if mark.status not in AttendanceStatus.values:
        return "Choose present, late, left early, absent or excused."
    if mark.status in NOT_THERE:
        if mark.minutes:
            return "Absent and excused are 0 minutes."
        return 0
    if mark.minutes is None:
        if mark.status == AttendanceStatus.PRESENT:
            return length
        return f"Enter the minutes they attended, 0 to {length}."
    if not 0 <= mark.minutes <= length:
        return f"Minutes attended are 0 to {length}, the session's length."
    return mark.minutes


@transaction.atomic
def attendance_record(
    *, occurrence: Occurrence, marks: list[Mark], by: User, now: datetime
) -> list[Attendance]:
    """Store `marks` for `occurrence` at `now`, all or nothing, under the session's row lock.
    Raises AttendanceError (nothing stored) for a session `by` does not run, a cancelled one, one
    that has not begun, a client the session is not for (or marked twice), an unknown status,
    or minutes outside 0 to the session's length. New rows are audited as recorded, changed
    ones as corrected with the old and new status; a mark that changes nothing is left alone.
    Returns the session's rows for the marked clients."""
    locked = Occurrence.objects.select_for_update().select_related("series").get(pk=occurrence.pk)
    if locked.clinician_id != by.pk:
        raise AttendanceError({None: "Only the clinician running this session takes attendance."})
    if locked.status == OccurrenceStatus.CANCELLED:
        raise AttendanceError({None: "This session was cancelled: it has no attendance."})
    if locked.starts_at > now:
        raise AttendanceError({None: "This session has not begun yet."})
    length = occurrence_length(locked)
    allowed = {client.pk: client for client in session_clients(occurrence=locked)}
    errors: dict[int | None, str] = {}
    wanted: dict[int, tuple[str, int]] = {}
    for mark in marks:
        if mark.client_id not in allowed:
            errors[None] = "Someone marked is not in this session."
            continue
        if mark.client_id in wanted:
            errors[mark.client_id] = "Marked twice."
            continue
        minutes = _minutes(mark, length=length)
        if isinstance(minutes, str):
            errors[mark.client_id] = minutes
            continue
        wanted[mark.client_id] = (mark.status, minutes)
    if not marks:
        errors[None] = "Mark at least one person."
    if errors:
        raise AttendanceError(errors)

    existing = {
        row.client_id: row
        for row in Attendance.objects.select_for_update().filter(
            occurrence=locked, client_id__in=wanted
        )
    }
    absent_now = []
    new_rows = []
    for client_id, (status, minutes) in wanted.items():
        row = existing.get(client_id)
        if row is None:
            new_rows.append(
                Attendance(
                    occurrence=locked,
                    client_id=client_id,
                    status=status,
                    minutes=minutes,
                    marked_by=by,
                    marked_at=now,
                    updated_at=now,
                )
            )
            audit_record(
                action=Action.ATTENDANCE_RECORDED,
                actor=by,
                subject=allowed[client_id],
                target=locked,
                metadata={"status": status, "minutes": minutes},
            )
        elif (row.status, row.minutes) != (status, minutes):
            audit_record(
                action=Action.ATTENDANCE_CORRECTED,
                actor=by,
                subject=allowed[client_id],
                target=locked,
                metadata={
                    "old_status": row.status,
                    "new_status": status,
                    "old_minutes": row.minutes,
                    "new_minutes": minutes,
                },
            )
            row.status, row.minutes, row.marked_by, row.updated_at = status, minutes, by, now
            row.save(update_fields=["status", "minutes", "marked_by", "updated_at"])
        else:
            continue
        if status == AttendanceStatus.ABSENT:
            absent_now.append(client_id)
    Attendance.objects.bulk_create(new_rows)
    if locked.series.kind == SeriesKind.GROUP:
        for client_id, latest in missed_in_a_row(client_ids=absent_now).items():
            if latest == locked.pk:
                publish(MissedInARow(client_id=client_id, occurrence_id=locked.pk, at=now))
    return list(Attendance.objects.filter(occurrence=locked, client_id__in=wanted))
