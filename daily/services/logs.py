"""The small logs (decision 0016): an urge in three taps, a body practice with SUDS before and
after, and the parts journal. Each is stored at `now` on the client's local day
(daily.days.local_today), audited with ids and counts only, never what the client wrote or
rated. A refused log stores nothing and says why, field by field (LogError)."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from accounts.models import User
from accounts.roles import is_client_role
from audit.services import audit_record

from ..days import local_today
from ..models import PARTS_ENTRY_MAX, SCALE, Part, PartsEntry, PracticeLog, UrgeLog


class LogError(ValueError):
    """A log that cannot be stored as given; `errors` maps each refused field (or "__all__") to
    why. Nothing was stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


def _check_client(client: User) -> None:
    if not is_client_role(client.role):
        raise LogError({"__all__": "Only a client keeps these logs."})


def _scale_error(value: object, *, what: str) -> str | None:
    low, high = SCALE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return f"Choose {what} from {low} to {high}."
    return None


def _choice_error(value: object, *, choices: Iterable[str], what: str) -> str | None:
    if not isinstance(value, str) or value not in set(choices):
        return f"Choose {what} from the list."
    return None


def _raise_if(errors: dict[str, str | None]) -> None:
    refused = {key: message for key, message in errors.items() if message}
    if refused:
        raise LogError(refused)


@transaction.atomic
def urge_log(*, client: User, intensity: int, where: str, did: str, now: datetime) -> UrgeLog:
    """Log an urge `client` noticed at `now`: how strong (0–10), where in the body
    (UrgeLog.Where) and what they did (UrgeLog.Did), on their local day. Audited (the log's id);
    raises LogError, storing nothing, for a value out of range or not on the list."""
    _check_client(client)
    _raise_if(
        {
            "intensity": _scale_error(intensity, what="how strong it was"),
            "where": _choice_error(where, choices=UrgeLog.Where.values, what="where you felt it"),
            "did": _choice_error(did, choices=UrgeLog.Did.values, what="what you did"),
        }
    )
    log = UrgeLog.objects.create(
        client=client,
        at=now,
        day=local_today(now=now, tz=client.timezone),
        intensity=intensity,
        where=where,
        did=did,
    )
    audit_record(action="daily.urge_logged", actor=client, subject=client, target=log)
    return log


@transaction.atomic
def practice_log(
    *, client: User, practice: str, suds_before: int, suds_after: int, now: datetime
) -> PracticeLog:
    """Log a regulation practice `client` did (PracticeLog.Practice) with their distress (SUDS,
    0–10) before and after, at `now` on their local day. Audited (the log's id); raises
    LogError, storing nothing, for a value out of range or not on the list."""
    _check_client(client)
    _raise_if(
        {
            "practice": _choice_error(
                practice, choices=PracticeLog.Practice.values, what="the practice"
            ),
            "suds_before": _scale_error(suds_before, what="how you felt before"),
            "suds_after": _scale_error(suds_after, what="how you felt after"),
        }
    )
    log = PracticeLog.objects.create(
        client=client,
        at=now,
        day=local_today(now=now, tz=client.timezone),
        practice=practice,
        suds_before=suds_before,
        suds_after=suds_after,
    )
    audit_record(action="daily.practice_logged", actor=client, subject=client, target=log)
    return log


def parts_clean(parts: object) -> list[str]:
    """The parts an entry is tagged with, each once, in the program's order, or LogError when
    there is none or one is not among the five."""
    if isinstance(parts, str) or not isinstance(parts, Iterable):
        raise LogError({"parts": "Choose at least one part."})
    chosen = list(parts)
    if any(not isinstance(part, str) or part not in Part.values for part in chosen):
        raise LogError({"parts": "Choose parts from the list."})
    if not chosen:
        raise LogError({"parts": "Choose at least one part this entry is about."})
    return [part for part in Part.values if part in chosen]


def parts_text_clean(text: object) -> str:
    """The entry's text as stored (trimmed), or LogError: empty, too long, or holding a
    character that cannot be stored."""
    if not isinstance(text, str):
        raise LogError({"text": "Please write the entry as text."})
    if "\x00" in text:
        raise LogError({"text": "The entry has a character that cannot be stored."})
    text = text.strip()
    if not text:
        raise LogError({"text": "Write a few words for this entry."})
    if len(text) > PARTS_ENTRY_MAX:
        raise LogError(
            {
                "text": f"The entry is {len(text):,} characters; the limit is "
                f"{PARTS_ENTRY_MAX:,}. Nothing was lost: shorten it a little."
            }
        )
    return text


@transaction.atomic
def parts_entry_add(*, client: User, parts: Iterable[str], text: str, now: datetime) -> PartsEntry:
    """Add a parts-journal entry for `client` at `now` on their local day, tagged with one or
    more of the five parts. Audited (the entry's id and how many parts), never the text; raises
    LogError, storing nothing, for a refused field (every field refused is named)."""
    _check_client(client)
    errors: dict[str, str] = {}
    cleaned_parts: list[str] = []
    cleaned_text = ""
    try:
        cleaned_parts = parts_clean(parts)
    except LogError as exc:
        errors.update(exc.errors)
    try:
        cleaned_text = parts_text_clean(text)
    except LogError as exc:
        errors.update(exc.errors)
    if errors:
        raise LogError(errors)
    entry = PartsEntry.objects.create(
        client=client,
        at=now,
        day=local_today(now=now, tz=client.timezone),
        parts=cleaned_parts,
        text=cleaned_text,
    )
    audit_record(
        action="daily.parts_entry_added",
        actor=client,
        subject=client,
        target=entry,
        metadata={"parts": len(cleaned_parts)},
    )
    return entry
