"""Recording a lapse and its chain analysis (decision 0016): a lapse is information, never a
reset; nothing here touches the days counted."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.db import transaction

from accounts.models import User
from accounts.roles import is_client_role
from audit.services import audit_record
from core.events import publish

from ..events import LapseRecorded
from ..models import CHAIN_STEP_MAX, Checkin, Lapse, Part


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


# --- The chain analysis: short steps the client answers or skips, theirs to change for a while
# (LAPSE_EDIT_DAYS after the lapse was recorded), then kept as written for the care team.

LAPSE_EDIT_DAYS = 7
CHAIN_TEXT_STEPS = ("situation", "body", "thought", "needed", "next_time")
CHAIN_CHOICE_STEPS: dict[str, frozenset[str]] = {
    "part": frozenset(Part.values),
    "stage": frozenset(Lapse.Stage.values),
}
CHAIN_STEPS = (*CHAIN_TEXT_STEPS[:3], "part", "stage", *CHAIN_TEXT_STEPS[3:])


class LapseChainError(ValueError):
    """The chain analysis cannot be stored as given; `errors` maps each refused step (or
    "__all__") to why. Nothing was stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def lapse_editable_until(*, lapse: Lapse) -> datetime:
    """The instant the client's chain analysis stops being changeable."""
    return lapse.created_at + timedelta(days=LAPSE_EDIT_DAYS)


def lapse_can_edit(*, lapse: Lapse, now: datetime) -> bool:
    """Whether the client may still change the chain analysis of `lapse` at `now`."""
    return now < lapse_editable_until(lapse=lapse)


def lapse_chain_clean(answers: Mapping[str, object]) -> dict[str, str]:
    """Every step's answer as it will be stored (text trimmed; a missing or skipped step is
    empty), or LapseChainError naming every step refused: not text, too long, a character that
    cannot be stored, or a choice not on the list. Unknown keys are ignored."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key in CHAIN_STEPS:
        value = answers.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = "Please answer this step as text."
            continue
        if "\x00" in value:
            errors[key] = "This answer has a character that cannot be stored."
            continue
        value = value.strip()
        if key in CHAIN_CHOICE_STEPS:
            if value and value not in CHAIN_CHOICE_STEPS[key]:
                errors[key] = "Please choose one of the options, or leave this step."
                continue
        elif len(value) > CHAIN_STEP_MAX:
            errors[key] = (
                f"This answer is {len(value):,} characters; the limit is {CHAIN_STEP_MAX:,}. "
                "Nothing was lost: shorten it a little."
            )
            continue
        cleaned[key] = value
    if errors:
        raise LapseChainError(errors)
    return cleaned


@transaction.atomic
def lapse_chain_save(
    *, lapse: Lapse, answers: Mapping[str, object], now: datetime, complete: bool
) -> Lapse:
    """Store the client's chain analysis of `lapse` at `now` (every step, as answered or
    skipped) and return the lapse; `complete` marks it finished (the first finish is kept).
    Audited with the lapse's id and how many steps were answered, never the words. Raises
    LapseChainError, storing nothing, for a refused step (lapse_chain_clean) or once the lapse
    is past LAPSE_EDIT_DAYS. Locks the lapse's row, so two saves at once apply one after the
    other. Never touches a check-in or the days counted."""
    cleaned = lapse_chain_clean(answers)
    locked = Lapse.objects.select_for_update().get(pk=lapse.pk)
    if not lapse_can_edit(lapse=locked, now=now):
        raise LapseChainError(
            {"__all__": f"This can be changed for {LAPSE_EDIT_DAYS} days after it was recorded."}
        )
    for key, value in cleaned.items():
        setattr(locked, key, value)
    locked.updated_at = now
    if complete and locked.completed_at is None:
        locked.completed_at = now
    locked.save(update_fields=[*CHAIN_STEPS, "updated_at", "completed_at"])
    client = lapse.client  # the gate (daily.permissions) read it with the lapse
    locked.client = client
    audit_record(
        action="daily.lapse_chain_saved",
        actor=client,
        subject=client,
        target=locked,
        metadata={
            "steps_answered": sum(1 for value in cleaned.values() if value),
            "complete": locked.completed_at is not None,
        },
    )
    return locked
