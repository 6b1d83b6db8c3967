"""Saving the Kitchen Table check-in (decision 0016): one row per client and local day, the
morning intention and the evening review saved separately or together, under the day rules of
daily/days.py. An unsafe answer is announced (CheckinUnsafe) in the same transaction; a lapse is
recorded with lapse_record and never changes the days held. The trail records ids and which
parts were saved, never the client's words."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from accounts.models import User
from accounts.roles import is_client_role
from audit.services import audit_record
from core.events import publish

from ..days import can_edit, can_fill, is_late, local_today
from ..events import CheckinUnsafe
from ..models import LINE_MAX, SCALE, BottomLines, Checkin, Lapse, Part, Safe
from ..selectors.plan import current_dsap
from .lapses import lapse_record

EVENING_KEYS = ("anchors_done", "mood", "urge", "loudest_part", "bottom_lines", "helped", "safe")


class CheckinError(ValueError):
    """The check-in cannot be stored as given; `errors` maps each refused field (or
    "__all__") to why. Nothing was stored."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class CheckinResult:
    """What a save did: the stored check-in, whether this save created it, the lapse recorded
    from it (this save or an earlier one) when its bottom lines say lapsed (`became_lapsed`
    when this save turned them to lapsed), and whether this
    save turned the safety answer to "no" (CheckinUnsafe was announced)."""

    checkin: Checkin
    created: bool
    lapse: Lapse | None
    became_lapsed: bool  # this save turned the bottom lines to "lapsed"
    became_unsafe: bool


def _line(value: object, *, errors: dict[str, str], key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[key] = "Please type this as text."
        return ""
    if "\x00" in value:
        errors[key] = "This has a character that cannot be stored."
        return ""
    value = value.strip()
    if len(value) > LINE_MAX:
        errors[key] = (
            f"This is {len(value):,} characters; one line holds {LINE_MAX}. "
            "Nothing was lost: shorten it a little."
        )
        return ""
    return value


def _scale(value: object, *, errors: dict[str, str], key: str) -> int | None:
    if value is None or value == "":
        return None
    low, high = SCALE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[key] = f"Please choose a number from {low} to {high}."
        return None
    return value


def _choice(value: object, choices: list[str], *, errors: dict[str, str], key: str) -> str:
    if value is None or value == "":
        return ""
    if value not in choices:
        errors[key] = "Please choose one of the answers given."
        return ""
    return str(value)


def _evening_clean(evening: Mapping[str, object], *, offered: list[str]) -> dict[str, object]:
    """The evening review as it will be stored, or CheckinError naming every refused field."""
    errors: dict[str, str] = {}
    unknown = set(evening) - set(EVENING_KEYS)
    if unknown:
        errors["__all__"] = "The evening review has a part that does not exist."
    done = evening.get("anchors_done") or []
    if not isinstance(done, list | tuple) or not all(isinstance(a, str) for a in done):
        errors["anchors_done"] = "Please tick the anchors from the list."
        done = []
    elif set(done) - set(offered):
        errors["anchors_done"] = "That anchor is not on this day's list."
    cleaned: dict[str, object] = {
        "anchors_done": [anchor for anchor in offered if anchor in set(done)],
        "mood": _scale(evening.get("mood"), errors=errors, key="mood"),
        "urge": _scale(evening.get("urge"), errors=errors, key="urge"),
        "loudest_part": _choice(
            evening.get("loudest_part"), Part.values, errors=errors, key="loudest_part"
        ),
        "bottom_lines": _choice(
            evening.get("bottom_lines"), BottomLines.values, errors=errors, key="bottom_lines"
        ),
        "helped": _line(evening.get("helped"), errors=errors, key="helped"),
        "safe": _choice(evening.get("safe"), Safe.values, errors=errors, key="safe"),
    }
    if errors:
        raise CheckinError(errors)
    return cleaned


@transaction.atomic
def checkin_save(
    *,
    client: User,
    day: date,
    now: datetime,
    intention: str | None = None,
    evening: Mapping[str, object] | None = None,
) -> CheckinResult:
    """Save `client`'s check-in for their local `day` at `now`: the morning `intention` (one
    line), the `evening` review (a mapping of anchors_done, mood, urge, loudest_part,
    bottom_lines, helped, safe; a part left out or empty is stored empty), or both. A part
    given as None is left as it was.

    A day with no check-in yet must be fillable (daily.days.can_fill); it is marked `late` when
    first written after it ended. A stored one must still be editable (daily.days.can_edit).
    The anchors offered are copied from the current DSAP on the first evening save, and the
    anchors done must be among them. Raises CheckinError, storing nothing, otherwise.

    Answering "no" to "Are you safe tonight?" (when the stored answer was not already "no")
    announces CheckinUnsafe in this transaction; care raises its risk flag from it. Bottom
    lines "lapsed" records a lapse for the day (lapse_record: one per check-in). Audited with
    ids and which parts were saved, never the words. Locks the client's row."""
    if not is_client_role(client.role):
        raise CheckinError({"__all__": "Only a client has a check-in."})
    if intention is None and evening is None:
        raise CheckinError({"__all__": "There was nothing to save."})
    errors: dict[str, str] = {}
    cleaned_intention = _line(intention, errors=errors, key="intention")
    if errors:
        raise CheckinError(errors)
    tz = client.timezone
    User.objects.select_for_update().filter(pk=client.pk).first()  # one save at a time
    checkin = Checkin.objects.filter(client=client, day=day).first()
    created = checkin is None
    if checkin is None:
        if day > local_today(now=now, tz=tz):
            raise CheckinError({"__all__": "That day hasn't come yet."})
        if not can_fill(day=day, now=now, tz=tz):
            raise CheckinError(
                {"__all__": "That day is too long ago to fill in now. Today is still open."}
            )
        checkin = Checkin(
            client=client,
            day=day,
            late=is_late(day=day, now=now, tz=tz),
            created_at=now,
            updated_at=now,
        )
    else:
        filled_on = local_today(now=checkin.created_at, tz=tz)
        if not can_edit(day=day, filled_on=filled_on, now=now, tz=tz):
            raise CheckinError(
                {"__all__": "This day's check-in is closed now, and kept as you wrote it."}
            )
    was_unsafe = checkin.safe == Safe.NO
    was_lapsed = checkin.bottom_lines == BottomLines.LAPSED
    if intention is not None:
        checkin.intention = cleaned_intention
        checkin.morning_at = checkin.morning_at or now
    if evening is not None:
        if checkin.evening_at is None:
            dsap = current_dsap(client=client)
            offered = dsap.anchor_list() if dsap is not None else []
        else:
            offered = list(checkin.anchors_offered)
        cleaned = _evening_clean(evening, offered=offered)
        checkin.anchors_offered = offered
        for field, value in cleaned.items():
            setattr(checkin, field, value)
        checkin.evening_at = checkin.evening_at or now
    checkin.updated_at = now
    checkin.save()
    became_unsafe = checkin.safe == Safe.NO and not was_unsafe
    audit_record(
        action="daily.checkin_saved",
        actor=client,
        subject=client,
        target=checkin,
        metadata={
            "created": created,
            "morning": intention is not None,
            "evening": evening is not None,
            "late": checkin.late,
        },
    )
    if became_unsafe:
        publish(CheckinUnsafe(checkin_id=checkin.pk, client_id=client.pk, day=day, at=now))
    lapse = None
    if checkin.bottom_lines == BottomLines.LAPSED:
        lapse = lapse_record(client=client, day=day, now=now, checkin=checkin)
    return CheckinResult(
        checkin=checkin,
        created=created,
        lapse=lapse,
        became_lapsed=lapse is not None and not was_lapsed,
        became_unsafe=became_unsafe,
    )
