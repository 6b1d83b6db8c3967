"""The client's DSAP (daily structure and action plan, decision 0016): written by the client,
each save a new version (nothing they wrote is ever lost), the newest is the plan. Started from
week 11's worksheet when they have none. The trail records who saved which version, never the
words. Modelled on the safety plan (care.services.safety_plan_save)."""

import logging
from collections.abc import Mapping
from datetime import datetime

from django.db import transaction

from accounts.models import User
from accounts.roles import is_client_role
from audit.services import audit_record
from courses.events import WorksheetSubmitted
from courses.worksheets import DSAP, DSAP_SECTIONS

from ..models import DSAP_SECTION_MAX, LINE_MAX, Dsap
from ..selectors.plan import current_dsap

# The sections and week 11's worksheet marker (`fills: dsap`) are the contract with the
# curriculum, stated once in courses.worksheets.
DSAP_KEYS = DSAP_SECTIONS
DSAP_FILLS = DSAP

_log = logging.getLogger(__name__)


class DsapError(ValueError):
    """The plan cannot be stored as given; `errors` maps each refused section to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def _anchor_lines(text: str) -> str:
    """The anchors one per line, each trimmed, blank lines dropped (the client's order)."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def dsap_clean(sections: Mapping[str, object]) -> dict[str, str]:
    """Every section's text as it will be stored (trimmed; the anchors one per line with blank
    lines dropped; a missing section is empty), or DsapError naming every section refused: not
    text, too long, holding a character that cannot be stored, or an anchor longer than a line.
    Unknown keys are ignored."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key in DSAP_KEYS:
        value = sections.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = "Please type this part as text."
            continue
        if "\x00" in value:
            errors[key] = "This part has a character that cannot be stored."
            continue
        value = _anchor_lines(value) if key == "anchors" else value.strip()
        if len(value) > DSAP_SECTION_MAX:
            errors[key] = (
                f"This part is {len(value):,} characters; the limit is "
                f"{DSAP_SECTION_MAX:,}. Nothing was lost: shorten it a little."
            )
            continue
        if key == "anchors" and any(len(line) > LINE_MAX for line in value.splitlines()):
            errors[key] = (
                f"Each anchor is one short line: keep each under {LINE_MAX} characters. "
                "Nothing was lost."
            )
            continue
        cleaned[key] = value
    if errors:
        raise DsapError(errors)
    return cleaned


@transaction.atomic
def dsap_save(
    *,
    client: User,
    sections: Mapping[str, object],
    now: datetime,
    source: str = Dsap.Source.PAGE,
) -> Dsap | None:
    """Save `client`'s DSAP as its next version at `now` and return it; audited (the version
    number, never the text). Saving the same text as the current version stores nothing and
    returns None, as does an empty first plan. Raises DsapError, storing nothing, when a section
    is refused (see dsap_clean), or for someone who is not a client. Locks the client's row, so
    two saves at once make two versions, one after the other."""
    if not is_client_role(client.role):
        raise DsapError({"__all__": "Only a client has a daily plan."})
    if source not in Dsap.Source.values:
        raise DsapError({"__all__": "Unknown source."})
    cleaned = dsap_clean(sections)
    User.objects.select_for_update().filter(pk=client.pk).first()  # one save at a time
    current = current_dsap(client=client)
    if current is not None and current.sections() == cleaned:
        return None
    if current is None and not any(cleaned.values()):
        return None  # an empty plan is no plan: nothing to keep yet
    plan = Dsap.objects.create(
        client=client,
        version=(current.version if current is not None else 0) + 1,
        source=source,
        created_at=now,
        **cleaned,
    )
    audit_record(
        action="daily.dsap_saved",
        actor=client,
        subject=client,
        target=plan,
        metadata={"version": plan.version, "source": source},
    )
    return plan


def dsap_from_worksheet(event: WorksheetSubmitted) -> None:
    """courses announced a submitted worksheet: when it is week 11's (`fills: dsap`) and the
    client has no DSAP yet, its answers become the plan's first version, in the same transaction
    (subscribed in DailyConfig.ready()). A plan the client already wrote is never overwritten. A
    refused answer leaves the worksheet stored and the plan unwritten, for the client to write on
    its page."""
    if event.fills != DSAP_FILLS:
        return
    client = User.objects.select_for_update().get(pk=event.client_id)
    if Dsap.objects.filter(client=client).exists():
        return
    try:
        with transaction.atomic():
            dsap_save(
                client=client,
                sections=event.sections,
                now=event.at,
                source=Dsap.Source.WORKSHEET,
            )
    except DsapError as exc:
        _log.warning(
            "DSAP not started from worksheet %s: sections refused (%s)",
            event.response_id,
            ", ".join(sorted(exc.errors)),
        )
