"""A client's history for the records tests: `days` days of everything a client writes and
everything recorded about them, each free-text field carrying `canary`, written straight to the
tables at fixed instants (the pages' own services are tested in their apps)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from care.models import SafetyPlan
from courses.models import WorksheetFeedback, WorksheetResponse
from daily.models import Checkin, Dsap, Lapse, PartsEntry, PracticeLog, UrgeLog
from notifications.models import Kind, Notification
from payments.models import BillingAccount, Payment, Plan
from tests.care.record_history import record_track, with_history

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def write_history(*, client, days: int, canary: str, replier=None, now: datetime = NOW) -> None:
    """`days` days of check-ins, logs and journal entries, a lapse a week, DSAP and safety plan
    versions, worksheets (with a reply from `replier`) and questionnaires over the weeks, sent
    messages, and paid installments; nothing at all when `days` is 0."""
    if days == 0:
        return
    weeks = max(1, min(12, days // 7))
    track = record_track(weeks=12)
    enrollment = with_history(client=client, track=track, weeks=weeks, now=now)
    WorksheetResponse.objects.filter(enrollment=enrollment).update(
        answers={"one-word": f"steady {canary}"}
    )
    if replier is not None:
        for response in WorksheetResponse.objects.filter(enrollment=enrollment)[:3]:
            WorksheetFeedback.objects.create(
                response=response, author=replier, text=f"Thank you. reply-{canary}"
            )
    first = now.date() - timedelta(days=days)
    checkins, parts, urges, practices, lapses = [], [], [], [], []
    for n in range(days):
        day: date = first + timedelta(days=n)
        at = datetime(day.year, day.month, day.day, 20, 0, tzinfo=UTC)
        checkins.append(
            Checkin(
                client=client,
                day=day,
                intention="Go gently",
                mood=6,
                urge=3,
                helped=f"A walk {canary}",
                bottom_lines="held",
                safe="yes",
                morning_at=at,
                evening_at=at,
                created_at=at,
                updated_at=at,
            )  # fmt: skip
        )
        parts.append(PartsEntry(client=client, at=at, day=day, parts=["witness"],
                                text=f"Noticed the tired part {canary}"))  # fmt: skip
        urges.append(UrgeLog(client=client, at=at, day=day, intensity=5, where="chest",
                             did="breathed"))  # fmt: skip
        practices.append(PracticeLog(client=client, at=at, day=day, practice="breathing",
                                     suds_before=6, suds_after=3))  # fmt: skip
        if n % 7 == 3:
            lapses.append(Lapse(client=client, day=day, situation=f"Alone {canary}",
                                created_at=at, updated_at=at))  # fmt: skip
    Checkin.objects.bulk_create(checkins)
    PartsEntry.objects.bulk_create(parts)
    UrgeLog.objects.bulk_create(urges)
    PracticeLog.objects.bulk_create(practices)
    Lapse.objects.bulk_create(lapses)
    for version in range(1, max(2, days // 30) + 1):
        at = now - timedelta(days=days - version)
        Dsap.objects.create(client=client, version=version, created_at=at,
                            bottom_lines=f"No browsing late {canary}")  # fmt: skip
        SafetyPlan.objects.create(client=client, version=version, created_at=at,
                                  reasons=f"My kids {canary}")  # fmt: skip
    Notification.objects.bulk_create(
        Notification(
            user=client,
            kind=Kind.CHECKIN_REMINDER,
            dedupe_key=f"h:{client.pk}:{n}",
            status="sent",
            sent_at=now - timedelta(days=n),
        )  # fmt: skip
        for n in range(days)
    )
    plan = Plan.objects.create(
        track=track, slug=f"plan-{client.pk}", kind="installments", installments=3,
        amount=Decimal("150.00"),
    )  # fmt: skip
    account = BillingAccount.objects.create(enrollment=enrollment, plan=plan)
    for n in range(3):
        Payment.objects.create(account=account, amount=Decimal("150.00"),
                               paid_at=now - timedelta(days=30 * n))  # fmt: skip
