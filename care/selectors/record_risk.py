"""The record's Risk section: every flag about the client (open ones first) and the form to
raise one."""

from datetime import datetime

from accounts.models import User
from courses.models import Enrollment

from ..forms import RiskFlagRaiseForm
from .flags import client_flags


def risk_section(
    *, client: User, enrollment: Enrollment | None, viewer: User, now: datetime
) -> dict[str, object]:
    """The context of templates/care/record/risk.html (1 query, however many flags)."""
    rows = client_flags(client=client, viewer=viewer, now=now)
    return {
        "rows": rows,
        "open": [row for row in rows if row.flag.is_open],
        "raise_form": RiskFlagRaiseForm(auto_id="flag-raise-%s"),
    }
