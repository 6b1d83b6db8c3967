"""Reads of a client's answers, for their own page and for the care team's record. Each
function makes a fixed number of queries, however long the history."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from courses.models import Enrollment, EnrollmentStatus

from .charts import TrendChart, TrendPoint, trend_chart
from .instruments import Band, InstrumentSpec, band_for, instrument_spec
from .models import (
    Administration,
    Instrument,
    MeasureSchedule,
    MeasureSkip,
    ReliableChangeDirection,
)
from .queries import latest_answers
from .schedule import ClientSchedule, schedule_at


@dataclass(frozen=True)
class Answered:
    """One administration as a row of a table: the day (in the reader's zone), the total, its
    band, and the change since the baseline with its reliable-change verdict."""

    pk: int
    on: date
    at: datetime
    total: int
    band: Band
    change: int | None
    reliable_change: str  # improved, none, worsened; "" for the baseline
    risk_answered: bool

    @property
    def change_label(self) -> str:
        """The change with its sign (a true minus sign), "" for the baseline."""
        if self.change is None:
            return ""
        if self.change < 0:
            return f"\u2212{-self.change}"
        return f"+{self.change}" if self.change > 0 else "0"

    @property
    def reliable_change_label(self) -> str:
        if not self.reliable_change:
            return "Baseline"
        return ReliableChangeDirection(self.reliable_change).label

    @property
    def plain_change(self) -> str:
        """The change since the first answer in gentle words, for the client."""
        if self.reliable_change == ReliableChangeDirection.IMPROVED:
            return "Lower than your first answers: fewer symptoms than when you began."
        if self.reliable_change == ReliableChangeDirection.WORSENED:
            return "Higher than your first answers: this has been a heavier stretch."
        if self.reliable_change == ReliableChangeDirection.NONE:
            return "About the same as your first answers."
        return "Your first answers: the starting point the others are compared with."


@dataclass(frozen=True)
class InstrumentHistory:
    """Everything answered to one instrument, oldest first, with its chart."""

    key: str
    title: str
    short_title: str
    measures: str
    max_total: int
    answered: list[Answered]
    chart: TrendChart

    @property
    def latest(self) -> Answered | None:
        return self.answered[-1] if self.answered else None

    @property
    def newest_first(self) -> list[Answered]:
        return list(reversed(self.answered))


@dataclass(frozen=True)
class Skipped:
    short_title: str
    at: datetime  # in the reader's zone


@dataclass(frozen=True)
class ClientMeasures:
    """A client's measures for a page: every answer per instrument (with charts), their
    schedule at `now` (None without an active enrollment), and their "not now" choices, newest
    first."""

    histories: list[InstrumentHistory]
    schedule: ClientSchedule | None
    skips: list[Skipped]


def active_anchor(*, client_id: int) -> datetime | None:
    """When the client's (first) active enrollment began, or None (1 query)."""
    return (
        Enrollment.objects.filter(client_id=client_id, status=EnrollmentStatus.ACTIVE)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def client_measures(
    *, client_id: int, zone: ZoneInfo, anchor: datetime | None, now: datetime
) -> ClientMeasures:
    """Everything about one client's measures (4 queries, however long their history):
    `anchor` is when their active enrollment began (active_anchor), None without one."""
    instruments = list(Instrument.objects.order_by("key"))
    by_instrument: dict[int, list[Administration]] = {}
    for administration in Administration.objects.filter(client_id=client_id).order_by(
        "submitted_at", "pk"
    ):
        by_instrument.setdefault(administration.instrument_id, []).append(administration)
    skips = list(MeasureSkip.objects.filter(client_id=client_id).order_by("-skipped_at", "-pk"))
    own = MeasureSchedule.objects.filter(client_id=client_id).first()
    schedule = None
    if anchor is not None:
        last_skip: dict[int, datetime] = {}
        for skip in skips:
            last_skip.setdefault(skip.instrument_id, skip.skipped_at)
        schedule = schedule_at(
            anchor=anchor,
            instruments=instruments,
            last_answer={i: rows[-1].submitted_at for i, rows in by_instrument.items()},
            last_skip=last_skip,
            own=own,
            now=now,
        )
    titles = {i.pk: i.short_title for i in instruments}
    return ClientMeasures(
        histories=[
            _history(instrument, by_instrument[instrument.pk], zone)
            for instrument in instruments
            if instrument.pk in by_instrument
        ],
        schedule=schedule,
        skips=[Skipped(titles[s.instrument_id], s.skipped_at.astimezone(zone)) for s in skips],
    )


def _history(
    instrument: Instrument, rows: list[Administration], zone: ZoneInfo
) -> InstrumentHistory:
    spec = instrument_spec(instrument)
    answered = [
        Answered(
            pk=a.pk,
            on=a.submitted_at.astimezone(zone).date(),
            at=a.submitted_at.astimezone(zone),
            total=a.total,
            band=band_for(spec, a.total),
            change=a.change,
            reliable_change=a.reliable_change,
            risk_answered=a.risk_answered,
        )
        for a in rows
    ]
    return InstrumentHistory(
        key=instrument.key,
        title=instrument.title,
        short_title=instrument.short_title,
        measures=spec.measures,
        max_total=spec.max_total,
        answered=answered,
        chart=trend_chart(
            spec,
            [TrendPoint(on=a.on, total=a.total) for a in answered],
            title=f"{instrument.short_title} totals over time",
        ),
    )


@dataclass(frozen=True)
class LatestScore:
    """A client's most recent answer to one instrument, as the caseload shows it."""

    short_title: str
    total: int
    max_total: int
    band_label: str
    elevated: bool  # in a band the instrument marks elevated (15 and up on the PHQ-9, GAD-7)
    reliable_change: str  # improved, none, worsened; "" for a baseline

    @property
    def worsened(self) -> bool:
        return self.reliable_change == ReliableChangeDirection.WORSENED

    @property
    def improved(self) -> bool:
        return self.reliable_change == ReliableChangeDirection.IMPROVED


# Checked specs by (instrument id, content token): an instrument's spec changes only when its
# file is loaded again, which gives it a new content token.
_specs: dict[tuple[int, str], InstrumentSpec] = {}


def specs_for(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], InstrumentSpec]:
    """The checked spec of each (instrument id, content token), read from the database only
    for those not yet seen by this process (0 queries once warm, else 1)."""
    missing = {pk for pk, token in pairs if (pk, token) not in _specs}
    if missing:
        for instrument in Instrument.objects.filter(pk__in=missing):
            _specs[(instrument.pk, instrument.content_token)] = instrument_spec(instrument)
    return {pair: _specs[pair] for pair in pairs if pair in _specs}


def latest_scores(*, client_ids: list[int]) -> dict[int, list[LatestScore]]:
    """Each listed client's latest answer to each instrument, by instrument key (1 query once
    the instruments' specs are known to the process, else 2; however many clients and
    answers)."""
    answers = latest_answers(client_ids=client_ids)
    specs = specs_for({(a.instrument_id, a.content_token) for a in answers})
    found: dict[int, list[LatestScore]] = {}
    for answer in answers:
        spec = specs.get((answer.instrument_id, answer.content_token))
        if spec is None:  # its file was loaded again between the two reads: next time
            continue
        band = band_for(spec, answer.total)
        found.setdefault(answer.client_id, []).append(
            LatestScore(
                short_title=answer.short_title,
                total=answer.total,
                max_total=spec.max_total,
                band_label=band.label,
                elevated=band.elevated,
                reliable_change=answer.reliable_change,
            )
        )
    return found
