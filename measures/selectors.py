"""Reads of a client's answers, for their own page and for the care team's record. Each
function makes a fixed number of queries, however long the history."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from courses.models import Enrollment, EnrollmentStatus

from .charts import TrendChart, TrendPoint, trend_chart
from .instruments import Band, InstrumentSpec, band_for
from .models import (
    Administration,
    Instrument,
    MeasureSchedule,
    MeasureSkip,
    ReliableChangeDirection,
)
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


def instrument_spec_of(instrument: Instrument) -> InstrumentSpec:
    return InstrumentSpec.from_data(instrument.definition)


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
            instruments=[
                {"id": i.pk, "key": i.key, "short_title": i.short_title, "title": i.title}
                for i in instruments
            ],
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
    spec = instrument_spec_of(instrument)
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


def latest_scores(*, client_ids: list[int]) -> dict[int, list[LatestScore]]:
    """Each listed client's latest answer to each instrument, by instrument key (2 queries,
    however many clients and answers: a window function picks the newest per pair)."""
    if not client_ids:
        return {}
    instruments = {i.pk: (i, instrument_spec_of(i)) for i in Instrument.objects.order_by("key")}
    newest = (
        Administration.objects.filter(client_id__in=client_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("client_id"), F("instrument_id")],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values_list("client_id", "instrument_id", "total", "reliable_change")
    )
    found: dict[int, list[tuple[str, LatestScore]]] = {}
    for client_id, instrument_id, total, reliable in newest:
        instrument, spec = instruments[instrument_id]
        band = band_for(spec, total)
        found.setdefault(client_id, []).append(
            (
                instrument.key,
                LatestScore(
                    short_title=instrument.short_title,
                    total=total,
                    max_total=spec.max_total,
                    band_label=band.label,
                    elevated=band.elevated,
                    reliable_change=reliable,
                ),
            )
        )
    return {
        client_id: [score for _, score in sorted(scores, key=lambda pair: pair[0])]
        for client_id, scores in found.items()
    }
