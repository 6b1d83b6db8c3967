"""When a client is asked to answer each instrument. Pure reads: nothing here writes.

A client with an active enrollment is asked for every loaded instrument:

- **Baseline**: from the moment the enrollment became active (before week 1 opens). It is shown
  on the client's home and never stands between the client and anything else in the product.
- **Then every interval**: the client's own interval (MeasureSchedule.interval_days, set by a
  clinician) or settings.EHAB_MEASURE_INTERVAL_DAYS (14), counted from their last answer.
- **Asked for now**: a clinician's request (MeasureSchedule.requested_at) makes every instrument
  due from that moment until it is answered.
- **Not now**: a skip puts an instrument aside for settings.EHAB_MEASURE_SNOOZE_DAYS (3); then it
  is due again, on the same due date (so its reminder is not sent twice).

`due_measures` answers for many clients in five queries, whatever their number or history.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from courses.models import Enrollment, EnrollmentStatus

from .models import Administration, Instrument, MeasureSchedule, MeasureSkip


@dataclass(frozen=True)
class DueMeasure:
    """One instrument due for a client: since when, and whether it is the first (baseline)."""

    instrument_id: int
    key: str
    short_title: str
    title: str
    due_at: datetime
    baseline: bool
    asked: datetime | None = None  # a clinician's request in force for it, since when


@dataclass(frozen=True)
class NextMeasure:
    """When an instrument is next asked for, for a client who is not due now."""

    key: str
    short_title: str
    at: datetime


@dataclass(frozen=True)
class ClientSchedule:
    """A client's measures at `now`: what is due, what is put aside until when, and when each
    of the others comes next."""

    interval_days: int
    custom_interval: bool
    requested_at: datetime | None
    due: list[DueMeasure]
    snoozed: list[tuple[DueMeasure, datetime]]  # (the due measure, due again at)
    upcoming: list[NextMeasure]


def default_interval_days() -> int:
    return int(settings.EHAB_MEASURE_INTERVAL_DAYS)


def snooze() -> timedelta:
    return timedelta(days=int(settings.EHAB_MEASURE_SNOOZE_DAYS))


def due_measures(*, client_ids: list[int] | None, now: datetime) -> dict[int, ClientSchedule]:
    """Each listed client (None: every client) who has an active enrollment, with their
    schedule at `now` (clients without one are absent: nobody is asked before paying or after
    leaving). Five queries."""
    active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
    if client_ids is not None:
        active = active.filter(client_id__in=client_ids)
    anchors: dict[int, datetime] = {}
    for client_id, activated in active.order_by("client_id", "created_at").values_list(
        "client_id", "created_at"
    ):
        anchors.setdefault(client_id, activated)
    if not anchors:
        return {}
    ids = list(anchors)
    instruments = list(Instrument.objects.order_by("key").only("key", "short_title", "title"))
    last_answer: dict[int, dict[int, datetime]] = {}
    for row in (
        Administration.objects.filter(client_id__in=ids)
        .values("client_id", "instrument_id")
        .annotate(at=Max("submitted_at"))
    ):
        last_answer.setdefault(row["client_id"], {})[row["instrument_id"]] = row["at"]
    last_skip: dict[int, dict[int, datetime]] = {}
    for row in (
        MeasureSkip.objects.filter(client_id__in=ids)
        .values("client_id", "instrument_id")
        .annotate(at=Max("skipped_at"))
    ):
        last_skip.setdefault(row["client_id"], {})[row["instrument_id"]] = row["at"]
    schedules = {s.client_id: s for s in MeasureSchedule.objects.filter(client_id__in=ids)}
    return {
        client_id: schedule_at(
            anchor=anchor,
            instruments=instruments,
            last_answer=last_answer.get(client_id, {}),
            last_skip=last_skip.get(client_id, {}),
            own=schedules.get(client_id),
            now=now,
        )
        for client_id, anchor in anchors.items()
    }


def schedule_at(
    *,
    anchor: datetime,
    instruments: list[Instrument],
    last_answer: dict[int, datetime],
    last_skip: dict[int, datetime],
    own: MeasureSchedule | None,
    now: datetime,
) -> ClientSchedule:
    """One client's schedule at `now` from what has been read: the moment their enrollment
    became active (`anchor`), the instruments (by key), their last answer
    and last "not now" per instrument id, and their own MeasureSchedule row, if any."""
    interval = own.interval_days if own else default_interval_days()
    requested = own.requested_at if own else None
    due: list[DueMeasure] = []
    snoozed: list[tuple[DueMeasure, datetime]] = []
    upcoming: list[NextMeasure] = []
    for instrument in instruments:
        answered = last_answer.get(instrument.pk)
        due_at = anchor if answered is None else answered + timedelta(days=interval)
        # A request counts until the instrument is answered after it.
        asked = requested if requested and (answered is None or requested > answered) else None
        if asked is not None:
            due_at = min(due_at, asked)
        if due_at > now:
            upcoming.append(NextMeasure(instrument.key, instrument.short_title, due_at))
            continue
        measure = DueMeasure(
            instrument_id=instrument.pk,
            key=instrument.key,
            short_title=instrument.short_title,
            title=instrument.title,
            due_at=due_at,
            baseline=answered is None,
            asked=asked,
        )
        skipped = last_skip.get(instrument.pk)
        # "Not now" puts aside what was due when it was chosen, not a request made after it.
        if (
            skipped is not None
            and skipped >= due_at
            and (asked is None or asked <= skipped)
            and now < skipped + snooze()
        ):
            snoozed.append((measure, skipped + snooze()))
        else:
            due.append(measure)
    return ClientSchedule(
        interval_days=interval,
        custom_interval=own is not None and own.interval_days != default_interval_days(),
        requested_at=requested,
        due=due,
        snoozed=snoozed,
        upcoming=upcoming,
    )


def client_schedule(*, client_id: int, now: datetime) -> ClientSchedule | None:
    """One client's schedule at `now`, or None without an active enrollment."""
    return due_measures(client_ids=[client_id], now=now).get(client_id)
