"""Reads of billing state, for other apps."""

from .models import BillingAccount, BillingState


def content_paused_enrollment_ids(*, enrollment_ids) -> set[int]:
    """Which of these enrollments may not receive new weeks for billing reasons (one query)."""
    return set(
        BillingAccount.objects.filter(
            enrollment_id__in=list(enrollment_ids), state=BillingState.CONTENT_PAUSED
        ).values_list("enrollment_id", flat=True)
    )
