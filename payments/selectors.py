"""Reads of billing for the payments pages."""

from django.db.models import Count, Exists, OuterRef, QuerySet

from courses.models import EnrollmentStatus

from .models import CheckoutSession, Plan


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


def plans_for_console() -> QuerySet[Plan]:
    """Every plan with its track, how many billing accounts are on it (`account_count`) and
    whether any checkout was opened for it (`has_checkouts`), by track then price; one query."""
    return (
        Plan.objects.select_related("track")
        .annotate(
            account_count=Count("accounts"),
            has_checkouts=Exists(CheckoutSession.objects.filter(plan=OuterRef("pk"))),
        )
        .order_by("track__title", "track_id", "kind", "installments", "slug")
    )
