"""Reads of billing state, for other apps."""

from courses.models import EnrollmentStatus

from .models import BillingAccount, BillingState, Plan


def content_paused_enrollment_ids(*, enrollment_ids) -> set[int]:
    """Which of these enrollments may not receive new weeks for billing reasons (one query)."""
    return set(
        BillingAccount.objects.filter(
            enrollment_id__in=list(enrollment_ids), state=BillingState.CONTENT_PAUSED
        ).values_list("enrollment_id", flat=True)
    )


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
