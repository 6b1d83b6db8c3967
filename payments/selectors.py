"""Reads of billing for the payments pages."""

from courses.models import EnrollmentStatus

from .models import Plan


def unfinished_plan_for(*, client) -> Plan | None:
    """The plan of the client's newest enrollment still waiting for payment whose plan is still
    offered, or None (one query)."""
    return (
        Plan.objects.filter(
            is_active=True,
            accounts__enrollment__client=client,
            accounts__enrollment__status=EnrollmentStatus.PENDING_PAYMENT,
        )
        .order_by("-accounts__enrollment__created_at", "-accounts__enrollment__id")
        .first()
    )
