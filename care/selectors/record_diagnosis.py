"""The record's Diagnosis section: the code in force for the client's superbills, who entered it
and when, the earlier ones, and the form to enter a new one. One query."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.forms import Form

from accounts.models import User
from courses.models import Enrollment

from ..forms import DiagnosisForm
from ..models import Diagnosis

HISTORY_SHOWN = 10


@dataclass(frozen=True)
class DiagnosisLine:
    code: str
    description: str
    entered_at: datetime  # in the viewer's zone
    entered_by: str


def diagnosis_description(code: str) -> str:
    """The practice's description of `code`, or "" for a code no longer configured."""
    return settings.EHAB_DIAGNOSIS_CODES.get(code, "")


def diagnosis_in_force(*, client: User, at: datetime) -> Diagnosis | None:
    """The newest code entered for `client` by `at` (1 query)."""
    return (
        Diagnosis.objects.filter(client=client, entered_at__lte=at)
        .order_by("-entered_at", "-pk")
        .first()
    )


def diagnosis_section(
    *,
    client: User,
    enrollment: Enrollment | None,
    viewer: User,
    now: datetime,
    form: Form | None = None,
) -> dict[str, object]:
    """The context of templates/care/record/diagnosis.html: the code in force first."""
    zone = ZoneInfo(viewer.timezone)
    rows = (
        Diagnosis.objects.filter(client=client, entered_at__lte=now)
        .select_related("entered_by")
        .order_by("-entered_at", "-pk")[:HISTORY_SHOWN]
    )
    lines = [
        DiagnosisLine(
            code=row.code,
            description=diagnosis_description(row.code),
            entered_at=row.entered_at.astimezone(zone),
            entered_by=row.entered_by.preferred_name or row.entered_by.email,
        )
        for row in rows
    ]
    if form is None:
        form = DiagnosisForm(initial={"code": lines[0].code} if lines else None)
    return {"current": lines[0] if lines else None, "earlier": lines[1:], "form": form}
