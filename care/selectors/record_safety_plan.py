"""The record's Safety plan section: the client's current plan, in their words, with the day it
was saved and how many earlier versions there are."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Window

from accounts.models import User
from courses.models import Enrollment

from ..models import SafetyPlan
from .safety_plan import PlanView, plan_view


@dataclass(frozen=True)
class RecordPlan:
    """The current version for the record: what to show, when it was saved (in the viewer's
    zone) and how many versions came before it."""

    view: PlanView
    saved: datetime
    earlier_versions: int


def safety_plan_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/safety_plan.html (1 query, however many versions:
    the newest row carries the count of all of them)."""
    plan = (
        SafetyPlan.objects.filter(client=client)
        .annotate(versions=Window(expression=Count("pk")))
        .order_by("-version")
        .first()
    )
    if plan is None:
        return {"plan": None}
    zone = ZoneInfo(viewer.timezone)
    return {
        "plan": RecordPlan(
            view=plan_view(plan),
            saved=plan.created_at.astimezone(zone).replace(microsecond=0),
            earlier_versions=plan.versions - 1,
        )
    }
