"""The daily figures' hand-written read (daily/queries.py) against its ORM twin: the same
result, field for field, on the database the suite runs on."""

from datetime import date, timedelta

import pytest
from django.db.models import Count, Sum

from accounts.roles import Role
from daily.models import BottomLines, Checkin, Dsap, Lapse, PracticeLog, UrgeLog
from daily.queries import DailyReads, DayRow, PlanRow, PracticeSums, daily_reads

from ..factories import (
    CheckinFactory,
    DsapFactory,
    LapseFactory,
    PracticeLogFactory,
    UrgeLogFactory,
    UserFactory,
)
from .test_trends import TODAY, history

pytestmark = pytest.mark.django_db


def orm_twin(*, client_id: int, first: date, last: date, with_plan: bool) -> DailyReads:
    span = {"client_id": client_id, "day__gte": first, "day__lte": last}
    days = [
        DayRow(
            day=c.day,
            reviewed=c.evening_at is not None,
            mood=c.mood,
            urge=c.urge,
            loudest_part=c.loudest_part,
            held=c.bottom_lines == BottomLines.HELD,
        )
        for c in Checkin.objects.filter(**span).order_by("day")
    ]
    held_before = Checkin.objects.filter(
        client_id=client_id, bottom_lines=BottomLines.HELD, day__lt=first
    ).count()
    practices = [
        PracticeSums(row["practice"], row["n"], row["b"], row["a"])
        for row in PracticeLog.objects.filter(**span)
        .values("practice")
        .annotate(n=Count("pk"), b=Sum("suds_before"), a=Sum("suds_after"))
        .order_by("practice")
    ]
    urges = UrgeLog.objects.filter(**span).aggregate(n=Count("pk"), s=Sum("intensity"))
    plan = None
    if with_plan:
        newest = Dsap.objects.filter(client_id=client_id).order_by("-version").first()
        if newest is not None:
            plan = PlanRow(
                newest.version, newest.bottom_lines, newest.warning_signs, newest.anchors
            )
    return DailyReads(
        days=days,
        held_before=held_before,
        practices=practices,
        urges=urges["n"],
        urge_sum=urges["s"] or 0,
        lapses=Lapse.objects.filter(**span).count(),
        plan=plan,
    )


@pytest.mark.parametrize("with_plan", [True, False])
def test_the_figures_match_their_orm_twin_with_no_history(with_plan):
    client = UserFactory(role=Role.CLIENT)
    args = {"client_id": client.pk, "first": TODAY - timedelta(days=27), "last": TODAY}
    assert daily_reads(**args, with_plan=with_plan) == orm_twin(**args, with_plan=with_plan)


@pytest.mark.parametrize("weeks", [4, 8, 12])
def test_the_figures_match_their_orm_twin_over_a_long_history(weeks):
    client = UserFactory(role=Role.CLIENT)
    other = UserFactory(role=Role.CLIENT)
    history(client, 120)
    history(other, 10)
    CheckinFactory(client=client, day=TODAY - timedelta(days=130), evening_at=None, mood=None)
    DsapFactory(client=client, version=1)
    DsapFactory(client=client, version=2, bottom_lines="No apps after 11 pm.")
    DsapFactory(client=other, version=3)
    LapseFactory(client=client, day=TODAY)  # a lapse recorded on its own
    PracticeLogFactory(client=client, day=TODAY, practice=PracticeLog.Practice.COLD_WATER)
    UrgeLogFactory(client=client, day=TODAY - timedelta(days=7 * weeks))  # just outside
    args = {"client_id": client.pk, "first": TODAY - timedelta(days=7 * weeks - 1), "last": TODAY}
    reads = daily_reads(**args, with_plan=True)
    assert reads == orm_twin(**args, with_plan=True)
    assert reads.plan is not None and reads.plan.version == 2
    assert len(reads.days) == 7 * weeks and reads.held_before > 0 and len(reads.practices) == 2
