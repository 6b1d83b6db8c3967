"""The record's Daily section: the client's daily structure as their care team reads it. The
same trends the client sees on /me/trends/ (check-in rate, mood and urge, days held, loudest
parts, practices and urges) over the last RECORD_WEEKS weeks of the client's local days, their
current DSAP with its version number, and their newest lapses with each chain analysis in their
words. Two queries, whatever the history (daily/queries.py's figures, and the lapses)."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from accounts.models import User
from courses.models import Enrollment
from daily.charts import trends_charts, trends_tables
from daily.models import Lapse, Part
from daily.selectors.trends import client_trends

RECORD_WEEKS = 12
LAPSES_SHOWN = 10

# The chain analysis's steps, in the order the client answers them: (field, what it asked).
CHAIN_STEPS = (
    ("situation", "What was happening"),
    ("body", "In the body"),
    ("thought", "The thought"),
    ("part", "Which part"),
    ("stage", "Stage of the cycle"),
    ("needed", "What was needed"),
    ("next_time", "Next time"),
)


@dataclass(frozen=True)
class ChainStep:
    label: str
    answer: str  # "" when the client left it empty


@dataclass(frozen=True)
class RecordLapse:
    day: date  # the client's local day it happened
    recorded: datetime  # in the viewer's zone
    from_checkin: bool
    steps: list[ChainStep]

    @property
    def answered(self) -> list[ChainStep]:
        return [step for step in self.steps if step.answer]


def _record_lapse(lapse: Lapse, zone: ZoneInfo) -> RecordLapse:
    labels = {
        "part": dict(Part.choices),
        "stage": dict(Lapse.Stage.choices),
    }
    steps = []
    for name, label in CHAIN_STEPS:
        value = getattr(lapse, name)
        if name in labels:
            value = str(labels[name].get(value, value)) if value else ""
        steps.append(ChainStep(label=label, answer=value))
    return RecordLapse(
        day=lapse.day,
        recorded=lapse.created_at.astimezone(zone).replace(microsecond=0),
        from_checkin=lapse.checkin_id is not None,
        steps=steps,
    )


def daily_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/daily.html (2 queries, however long the history):
    the trends and their charts, the current DSAP, the newest LAPSES_SHOWN lapses."""
    trends = client_trends(client=client, now=now, weeks=RECORD_WEEKS, with_plan=True)
    zone = ZoneInfo(viewer.timezone)
    lapses = [
        _record_lapse(lapse, zone)
        for lapse in Lapse.objects.filter(client=client).order_by("-day", "-created_at", "-pk")[
            :LAPSES_SHOWN
        ]
    ]
    return {
        "trends": trends,
        "charts": trends_charts(trends, prefix="record-daily"),
        "tables": trends_tables(trends),
        "plan": trends.plan,
        "lapses": lapses,
        "lapses_shown": LAPSES_SHOWN,
    }
