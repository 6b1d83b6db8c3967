"""Validating worksheet answers against a lesson's prompts (shared by services and forms)."""

from django.core.exceptions import ValidationError

MAX_TEXT = 500
MAX_TEXTAREA = 20_000


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
        limit = MAX_TEXT if kind == "text" else MAX_TEXTAREA
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
