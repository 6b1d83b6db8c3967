"""Reads of a client's answers, for their own page and for the care team's record. Each
function makes a fixed number of queries, however long the history."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .charts import TrendChart, TrendPoint, trend_chart
from .instruments import Band, InstrumentSpec, band_for
from .models import Administration, Instrument, MeasureSkip, ReliableChangeDirection


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


def histories(*, client_id: int, zone: ZoneInfo) -> list[InstrumentHistory]:
    """Each instrument the client has answered, by key, with every answer (2 queries)."""
    instruments = {i.pk: i for i in Instrument.objects.order_by("key")}
    by_instrument: dict[int, list[Administration]] = {}
    for administration in Administration.objects.filter(client_id=client_id).order_by(
        "submitted_at", "pk"
    ):
        by_instrument.setdefault(administration.instrument_id, []).append(administration)
    result = []
    for instrument_id, instrument in instruments.items():
        rows = by_instrument.get(instrument_id)
        if not rows:
            continue
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
        result.append(
            InstrumentHistory(
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
        )
    return result


def recent_skips(*, client_id: int, limit: int = 10) -> list[MeasureSkip]:
    """The client's latest "not now" choices, newest first, with their instrument (1 query)."""
    return list(
        MeasureSkip.objects.filter(client_id=client_id)
        .select_related("instrument")
        .order_by("-skipped_at", "-pk")[:limit]
    )
