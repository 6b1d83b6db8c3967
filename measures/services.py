"""Writes of outcome measures. Time is an input: callers pass `now`."""

from datetime import datetime

from django.db import transaction

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from core.events import publish

from .events import RiskAnswered
from .instruments import instrument_spec, reliable_change, score
from .models import Administration, Instrument, MeasureSchedule, MeasureSkip
from .schedule import default_interval_days

# The interval a clinician can choose, in days: one to eight weeks.
INTERVAL_MIN = 7
INTERVAL_MAX = 56


@transaction.atomic
def administration_submit(
    *, client: User, instrument: Instrument, answers: dict[int, int], now: datetime
) -> Administration:
    """Store `client`'s answers to `instrument` as a new administration: scored (total and
    band), compared with the client's first administration of the same instrument (the
    baseline: change and reliable change), audited, and, when a risk item was answered above 0,
    announced as RiskAnswered in the same transaction. Answers that do not fit raise
    AnswersError and store nothing."""
    spec = instrument_spec(instrument)
    scored = score(spec, answers)
    baseline = (
        Administration.objects.filter(client=client, instrument=instrument, baseline=None)
        .order_by("submitted_at", "pk")
        .first()
    )
    change = None
    if baseline is not None:
        change = reliable_change(spec, earlier=baseline.total, later=scored.total)
    administration = Administration.objects.create(
        client=client,
        instrument=instrument,
        content_token=instrument.content_token,
        answers={str(number): value for number, value in sorted(answers.items())},
        total=scored.total,
        band=scored.band.key,
        risk_answered=bool(scored.risk_items),
        baseline=baseline,
        change=change.change if change else None,
        reliable_change_index=change.index if change else None,
        reliable_change=change.direction if change else "",
        submitted_at=now,
    )
    audit_record(
        action=Action.MEASURE_SUBMITTED,
        actor=client,
        subject=client,
        target=administration,
        metadata={"instrument": instrument.key},
    )
    if scored.risk_items:
        publish(
            RiskAnswered(
                administration_id=administration.pk,
                client_id=client.pk,
                instrument_key=instrument.key,
                items=scored.risk_items,
                at=now,
            )
        )
    return administration


class ScheduleError(ValueError):
    """A schedule change that cannot be made; the message says why in plain words."""


def measure_skip(*, client: User, instrument: Instrument, now: datetime) -> MeasureSkip:
    """Record `client`'s "not now" for `instrument` (audited). It comes back after the snooze
    (measures/schedule.py); the care team sees the skip on the record."""
    skip = MeasureSkip.objects.create(client=client, instrument=instrument, skipped_at=now)
    audit_record(
        action=Action.MEASURE_SKIPPED,
        actor=client,
        subject=client,
        target=skip,
        metadata={"instrument": instrument.key},
    )
    return skip


def _schedule_for_update(client: User, now: datetime) -> MeasureSchedule:
    schedule, _ = MeasureSchedule.objects.select_for_update().get_or_create(
        client=client, defaults={"interval_days": default_interval_days(), "updated_at": now}
    )
    return schedule


@transaction.atomic
def measure_interval_set(
    *, client: User, interval_days: int, by: User, now: datetime
) -> MeasureSchedule:
    """Set how many days pass between `client`'s answers (INTERVAL_MIN to INTERVAL_MAX),
    counted from their last answer. Audited with the old and new interval."""
    if not INTERVAL_MIN <= interval_days <= INTERVAL_MAX:
        raise ScheduleError(f"Choose an interval between {INTERVAL_MIN} and {INTERVAL_MAX} days.")
    schedule = _schedule_for_update(client, now)
    before = schedule.interval_days
    schedule.interval_days = interval_days
    schedule.updated_at = now
    schedule.save(update_fields=["interval_days", "updated_at"])
    audit_record(
        action=Action.MEASURE_INTERVAL_SET,
        actor=by,
        subject=client,
        target=schedule,
        metadata={"from_days": before, "to_days": interval_days},
    )
    return schedule


@transaction.atomic
def measure_request(*, client: User, by: User, now: datetime) -> MeasureSchedule:
    """Ask `client` for an answer to every instrument now (they are due from `now` until
    answered, whatever the interval). Audited."""
    schedule = _schedule_for_update(client, now)
    schedule.requested_at = now
    schedule.updated_at = now
    schedule.save(update_fields=["requested_at", "updated_at"])
    audit_record(action=Action.MEASURE_REQUESTED, actor=by, subject=client, target=schedule)
    return schedule
