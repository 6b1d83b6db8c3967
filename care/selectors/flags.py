"""Risk flags as the care team reads them: the flags page (every open flag the viewer may open,
then the last fortnight's resolved ones) and a client's own flags on their record."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from accounts.models import User

from ..models import RiskFlag
from ..permissions import flags_visible_to
from ..services import risk_flag_anchor
from .caseload import time_ago

RECENTLY_RESOLVED = timedelta(days=14)


@dataclass(frozen=True)
class FlagRow:
    """One flag, with its times in the viewer's zone and the element id alerts land on."""

    flag: RiskFlag
    anchor: str
    raised: datetime
    raised_ago: str

    @property
    def client_name(self) -> str:
        return self.flag.client.preferred_name or self.flag.client.email


def _rows(flags: list[RiskFlag], *, viewer: User, now: datetime) -> list[FlagRow]:
    zone = ZoneInfo(viewer.timezone)
    return [
        FlagRow(
            flag=flag,
            anchor=risk_flag_anchor(flag_id=flag.pk),
            raised=flag.raised_at.astimezone(zone).replace(microsecond=0),
            raised_ago=time_ago(flag.raised_at, now=now),
        )
        for flag in flags
    ]


def flags_page(*, viewer: User, now: datetime) -> dict[str, list[FlagRow]]:
    """The viewer's open flags (oldest first: the one waiting longest on top) and those resolved
    in the last fortnight (newest first), with their clients and people (2 queries)."""
    visible = flags_visible_to(user=viewer).select_related(
        "client", "acknowledged_by", "resolved_by", "raised_by"
    )
    open_flags = list(visible.exclude(status=RiskFlag.Status.RESOLVED).order_by("raised_at", "pk"))
    resolved = list(
        visible.filter(
            status=RiskFlag.Status.RESOLVED, resolved_at__gte=now - RECENTLY_RESOLVED
        ).order_by("-resolved_at", "-pk")
    )
    return {
        "open": _rows(open_flags, viewer=viewer, now=now),
        "resolved": _rows(resolved, viewer=viewer, now=now),
    }


def client_flags(*, client: User, viewer: User, now: datetime) -> list[FlagRow]:
    """Every flag about `client`, open ones first, then newest first (1 query): the record's
    Risk section. The viewer already passed access_client."""
    flags = sorted(
        RiskFlag.objects.filter(client=client).select_related(
            "client", "acknowledged_by", "resolved_by", "raised_by"
        ),
        key=lambda f: (f.status == RiskFlag.Status.RESOLVED, -f.raised_at.timestamp(), -f.pk),
    )
    return _rows(flags, viewer=viewer, now=now)


def newest_open_flag_for_client(*, client: User) -> RiskFlag | None:
    """The client's newest open flag (1 query): what the support page speaks of."""
    return (
        RiskFlag.objects.filter(client=client)
        .exclude(status=RiskFlag.Status.RESOLVED)
        .order_by("-raised_at", "-pk")
        .first()
    )
