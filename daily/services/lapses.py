"""Recording a lapse and its chain analysis (decision 0016): a lapse is information, never a
reset; nothing here touches the days counted."""

from datetime import date, datetime

from django.db import transaction

from accounts.models import User
from accounts.roles import is_client_role
from audit.services import audit_record
from core.events import publish

from ..events import LapseRecorded
from ..models import Checkin, Lapse


class LapseError(Exception):
    """A lapse that cannot be recorded; nothing was stored."""


@transaction.atomic
def lapse_record(
    *, client: User, day: date, now: datetime, checkin: Checkin | None = None
) -> Lapse:
    """Record that `client` lapsed on their local `day`, at `now`, and return the lapse, ready
    for its chain analysis; audited and announced (LapseRecorded). From a check-in, one lapse per
    check-in: recording it again returns the one already there."""
    if not is_client_role(client.role):
        raise LapseError("Only a client records a lapse.")
    if checkin is not None:
        if checkin.client_id != client.pk or checkin.day != day:
            raise LapseError("That check-in is about another day.")
        existing = Lapse.objects.filter(checkin=checkin).first()
        if existing is not None:
            return existing
    lapse = Lapse.objects.create(
        client=client, day=day, checkin=checkin, created_at=now, updated_at=now
    )
    audit_record(
        action="daily.lapse_recorded",
        actor=client,
        subject=client,
        target=lapse,
        metadata={"from_checkin": checkin is not None},
    )
    publish(LapseRecorded(lapse_id=lapse.pk, client_id=client.pk, day=day, at=now))
    return lapse
