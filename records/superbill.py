"""A superbill: the statement a client sends their insurer to claim out-of-network
reimbursement. For a range of the client's own days it lists the practice (name, address, tax id,
NPI from settings), the client (legal name and date of birth, as they gave them), the diagnosis
code their clinician entered, every session they attended with its service code and the fee the
practice set for that kind of session, and the payments they made. Reads only; a fixed number of
queries whatever the range. Only the client's own sessions and payments, ever."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from accounts.models import User
from care.selectors.record_diagnosis import diagnosis_description, diagnosis_in_force
from core.localtime import local_instant
from meetings.models import Attendance, AttendanceStatus, OccurrenceStatus, SeriesKind
from payments.models import Payment

from .models import ClaimDetails

# A session counts as a date of service when the client was there for some of it.
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)
SESSION_KINDS = tuple(SeriesKind.values)


def practice_address() -> list[str]:
    """The practice's address, one line each (EHAB_PRACTICE_ADDRESS separates them with ";")."""
    return [line.strip() for line in settings.EHAB_PRACTICE_ADDRESS.split(";") if line.strip()]


def superbill_missing() -> list[str]:
    """What the practice has still to set before a superbill can be issued (empty when ready)."""
    missing = [
        label
        for label, value in (
            ("the practice's address", settings.EHAB_PRACTICE_ADDRESS),
            ("the practice's tax id", settings.EHAB_PRACTICE_TAX_ID),
            ("the practice's NPI", settings.EHAB_PRACTICE_NPI),
        )
        if not value
    ]
    for kind in SESSION_KINDS:
        label = SeriesKind(kind).label.lower()
        if kind not in settings.EHAB_SESSION_FEES:
            missing.append(f"the fee for a {label}")
        if kind not in settings.EHAB_SERVICE_CODES:
            missing.append(f"the service code for a {label}")
    return missing


@dataclass(frozen=True)
class ServiceLine:
    day: date
    kind: str
    code: str
    minutes: int
    fee: Decimal


@dataclass(frozen=True)
class PaymentLine:
    day: date
    amount: Decimal
    refunded: Decimal
    status: str

    @property
    def net(self) -> Decimal:
        return self.amount - self.refunded


@dataclass(frozen=True)
class Superbill:
    practice_name: str
    practice_address: list[str]
    tax_id: str
    npi: str
    client_name: str
    date_of_birth: date
    diagnosis_code: str
    diagnosis_description: str
    since: date
    until: date
    issued_on: date
    services: list[ServiceLine]
    payments: list[PaymentLine]

    @property
    def total_fees(self) -> Decimal:
        return sum((line.fee for line in self.services), Decimal("0.00"))

    @property
    def total_paid(self) -> Decimal:
        return sum((line.net for line in self.payments), Decimal("0.00"))


def _services(client: User, start: datetime, end: datetime, zone: ZoneInfo) -> list[ServiceLine]:
    attended = (
        Attendance.objects.filter(
            client=client,
            status__in=ATTENDED,
            minutes__gt=0,
            occurrence__starts_at__gte=start,
            occurrence__starts_at__lt=end,
        )
        .exclude(occurrence__status=OccurrenceStatus.CANCELLED)
        .select_related("occurrence__series")
        .order_by("occurrence__starts_at", "pk")
    )
    return [
        ServiceLine(
            day=a.occurrence.starts_at.astimezone(zone).date(),
            kind=a.occurrence.series.get_kind_display(),
            code=settings.EHAB_SERVICE_CODES[a.occurrence.series.kind],
            minutes=a.minutes,
            fee=settings.EHAB_SESSION_FEES[a.occurrence.series.kind],
        )
        for a in attended
    ]


def _payments(client: User, start: datetime, end: datetime, zone: ZoneInfo) -> list[PaymentLine]:
    paid = Payment.objects.filter(
        account__enrollment__client=client, paid_at__gte=start, paid_at__lt=end
    ).order_by("paid_at", "pk")
    return [
        PaymentLine(
            day=p.paid_at.astimezone(zone).date(),
            amount=p.amount,
            refunded=p.refunded_amount,
            status=p.get_status_display(),
        )
        for p in paid
    ]


def superbill_build(
    *, client: User, details: ClaimDetails, since: date, until: date, now: datetime
) -> Superbill:
    """The superbill for `client`'s days `since` to `until` (included, in their zone), issued at
    `now`. The caller checks superbill_missing() first and that the range has ended by `now`.
    The diagnosis is the one in force at the end of the range (or now, if sooner)."""
    zone = ZoneInfo(client.timezone)
    start = local_instant(since, time(0), client.timezone)
    end = local_instant(until + timedelta(days=1), time(0), client.timezone)
    diagnosis = diagnosis_in_force(client=client, at=min(end, now))
    code = diagnosis.code if diagnosis is not None else ""
    return Superbill(
        practice_name=settings.EHAB_PRACTICE_NAME,
        practice_address=practice_address(),
        tax_id=settings.EHAB_PRACTICE_TAX_ID,
        npi=settings.EHAB_PRACTICE_NPI,
        client_name=details.legal_name,
        date_of_birth=details.date_of_birth,
        diagnosis_code=code,
        diagnosis_description=diagnosis_description(code) if code else "",
        since=since,
        until=until,
        issued_on=now.astimezone(zone).date(),
        services=_services(client, start, end, zone),
        payments=_payments(client, start, end, zone),
    )
