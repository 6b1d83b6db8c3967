"""The client's safety plan as they read it: the newest version, its filled sections in order
(the "professionals and 988" section always, since it lists 988 and 911 whatever was written)."""

from dataclasses import dataclass

from accounts.models import User

from ..models import SAFETY_PLAN_SECTIONS, PlanSection, SafetyPlan

# Shown even when the client left it empty: it carries 988 and 911 (templates/care/safety_plan/).
ALWAYS_SHOWN = "professionals"


@dataclass(frozen=True)
class PlanView:
    """A version of the plan ready to show: the version, and the sections to show with their
    text in the plan's order."""

    plan: SafetyPlan
    sections: tuple[tuple[PlanSection, str], ...]


def plan_view(plan: SafetyPlan) -> PlanView:
    """The sections of `plan` that have something to show (no query)."""
    texts = plan.sections()
    return PlanView(
        plan=plan,
        sections=tuple(
            (section, texts[section.key])
            for section in SAFETY_PLAN_SECTIONS
            if texts[section.key] or section.key == ALWAYS_SHOWN
        ),
    )


def current_safety_plan(*, client: User) -> SafetyPlan | None:
    """The client's newest version, or None when they have not written one (1 query)."""
    return SafetyPlan.objects.filter(client=client).order_by("-version").first()


def safety_plan_for(*, client: User) -> PlanView | None:
    """The client's current plan ready to show, or None (1 query)."""
    plan = current_safety_plan(client=client)
    return plan_view(plan) if plan is not None else None
