"""Worksheets as text: validating answers against a lesson's prompts (shared by services and
forms), validating the care team's replies, and comparing two submitted versions."""

import difflib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.crypto import salted_hmac

MAX_TEXT = 500
MAX_TEXTAREA = 20_000

# --- What a worksheet may fill (a lesson's `fills`, curriculum/FORMAT.md) ----------------------
# A worksheet marked `fills: safety_plan` starts the client's safety plan (care.SafetyPlan,
# decision 0014); one marked `fills: dsap` starts their daily structure and action plan (the
# daily app's plan: bottom lines, warning signs, and daily anchors, one per line, which become
# the items of the daily check-in). Each of its prompts names the section it fills. The section
# names and their length limit are the contract between the curriculum and the app that
# subscribes to courses.events.WorksheetSubmitted; an answer to such a prompt is limited to what a
# section holds, so a submitted worksheet always fits its plan.
SAFETY_PLAN = "safety_plan"
SAFETY_PLAN_SECTIONS = (
    "warning_signs",
    "coping",
    "people_places",
    "ask_for_help",
    "professionals",
    "safe_space",
    "reasons",
)
SAFETY_PLAN_SECTION_MAX = 4_000
DSAP = "dsap"
DSAP_SECTIONS = ("bottom_lines", "warning_signs", "anchors")
DSAP_SECTION_MAX = 4_000
FILLABLE: dict[str, tuple[str, ...]] = {
    SAFETY_PLAN: SAFETY_PLAN_SECTIONS,
    DSAP: DSAP_SECTIONS,
}
FILLABLE_MAX: dict[str, int] = {
    SAFETY_PLAN: SAFETY_PLAN_SECTION_MAX,
    DSAP: DSAP_SECTION_MAX,
}


def filled_sections(prompts: list[dict], answers: dict) -> dict[str, str]:
    """The answers of the prompts that fill a section (a prompt's `fills`), keyed by section."""
    return {
        prompt["fills"]: str(answers.get(prompt["key"], ""))
        for prompt in prompts
        if prompt.get("fills")
    }


def clean_answers(prompts: list[dict], raw: dict) -> dict[str, str]:
    """Answers keyed by prompt key, each stored exactly as typed or refused with a message.

    Unknown keys are ignored. Text keeps every character the client typed, except NUL, which
    cannot be stored and is refused. Scales are whole numbers 0–10 or empty.
    """
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for prompt in prompts:
        key = prompt["key"]
        value = raw.get(key, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        if not isinstance(value, str):
            errors[key] = "Please type your answer as text."
            continue
        if "\x00" in value:
            errors[key] = "This answer contains a character that cannot be saved (a null byte)."
            continue
        kind = prompt.get("kind", "textarea")
        if kind == "scale":
            if value.strip() == "":
                cleaned[key] = ""
            elif value.strip().isdigit() and 0 <= int(value.strip()) <= 10:
                cleaned[key] = str(int(value.strip()))
            else:
                errors[key] = "Choose a number from 0 to 10."
            continue
        limit = prompt.get("max_length") or (MAX_TEXT if kind == "text" else MAX_TEXTAREA)
        if len(value) > limit:
            errors[key] = (
                f"This answer is {len(value):,} characters; the limit is {limit:,}. "
                "Nothing was lost: shorten it a little, or split it across two answers."
            )
            continue
        cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- The care team's replies ------------------------------------------------------------------

MAX_FEEDBACK = 4_000


def clean_feedback_text(text: object) -> str:
    """A care-team reply as it will be stored: surrounding blank lines and spaces trimmed,
    otherwise exactly as typed; refused with a message when empty, too long or holding a NUL."""
    if not isinstance(text, str):
        raise ValidationError("Please type your reply as text.")
    if "\x00" in text:
        raise ValidationError("This reply contains a character that cannot be saved (a null byte).")
    text = text.strip()
    if not text:
        raise ValidationError("Please write a reply before sending it.")
    if len(text) > MAX_FEEDBACK:
        raise ValidationError(
            f"This reply is {len(text):,} characters; the limit is {MAX_FEEDBACK:,}. "
            "Shorten it a little, or send it as two replies."
        )
    return text


def version_anchor(response_id: int) -> str:
    """The element id of a submitted version on the client's My work page: opaque (a keyed
    hash, not the id), stable for the life of the secret key, and of the shape message links
    accept as an anchor (notifications.views.ANCHOR_SHAPE). If the key is rotated, an older
    message's link still opens My work, at the top."""
    digest = salted_hmac("courses.worksheet-version-anchor", str(response_id)).hexdigest()
    return f"v-{digest[:16]}"


# --- Comparing two versions -------------------------------------------------------------------

EQUAL, INSERTED, DELETED = "equal", "inserted", "deleted"
# Words, runs of spaces and single punctuation marks: a change reads as the words that changed.
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_WORDY = re.compile(r"\w")
# Past this many token pairs a word diff gets slow; very long answers are compared by line.
_WORD_DIFF_LIMIT = 4_000_000


@dataclass(frozen=True)
class FieldDiff:
    """One prompt's answer compared between two versions: its label, whether it changed, and the
    new answer as segments of (EQUAL | INSERTED | DELETED, text) in reading order."""

    key: str
    label: str
    changed: bool
    segments: tuple[tuple[str, str], ...]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def text_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """`new` compared with `old` (difflib), as merged segments: unchanged text, inserted text and
    deleted text. Changes read as phrases: spaces or punctuation alone between two changes join
    them (so "sleep late" -> "stay up" is one removal and one addition, not four), and each
    removal comes before the addition that replaced it."""
    a, b = _tokens(old), _tokens(new)
    if len(a) * len(b) > _WORD_DIFF_LIMIT:
        a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    segments: list[tuple[str, str]] = []
    removed: list[str] = []
    added: list[str] = []

    def add(kind: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == kind:
            segments[-1] = (kind, segments[-1][1] + text)
        else:
            segments.append((kind, text))

    def flush() -> None:
        add(DELETED, "".join(removed))
        add(INSERTED, "".join(added))
        removed.clear()
        added.clear()

    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        if op == "equal":
            text = "".join(a[i1:i2])
            # Opcodes alternate, so an equal run that is neither first nor last sits between
            # two changes.
            if 0 < index < len(opcodes) - 1 and not _WORDY.search(text):
                removed.append(text)
                added.append(text)
                continue
            flush()
            add(EQUAL, text)
            continue
        removed.append("".join(a[i1:i2]))
        added.append("".join(b[j1:j2]))
    flush()
    return tuple(segments)


def answers_diff(prompts: list[dict], old: dict | None, new: dict) -> list[FieldDiff]:
    """Each answer of `new` compared with `old` (the version before). With `old` None (a first
    version, or simply showing a version's answers) each answer is one unchanged segment.
    Answers to prompts the lesson no longer asks come last, under their key, so nothing the
    client wrote is hidden."""
    asked = [(prompt["key"], prompt.get("label") or prompt["key"]) for prompt in prompts]
    known = {key for key, _ in asked}
    extra = sorted((set(new) | set(old or {})) - known)
    fields = []
    for key, label in [*asked, *((k, f"{k} (a question no longer asked)") for k in extra)]:
        after = str(new.get(key, ""))
        if old is None:
            fields.append(FieldDiff(key, label, False, ((EQUAL, after),) if after else ()))
            continue
        before = str(old.get(key, ""))
        fields.append(FieldDiff(key, label, before != after, text_diff(before, after)))
    return fields
