"""Forms for the client's course pages."""

from django import forms

SUDS_CHOICES = [(str(n), str(n)) for n in range(11)]


class SudsForm(forms.Form):
    """A 0–10 distress rating (Subjective Units of Distress); optional by design."""

    suds = forms.TypedChoiceField(
        label="How stirred up do you feel right now? 0 is calm, 10 is the most distress you can "
        "imagine.",
        choices=[("", "I'd rather not say")] + SUDS_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class WorksheetForm:
    """A lesson's prompts as form fields: values to show, answers to save, errors to explain.

    Rendered by hand in the template (cheaper than Django's widget templates on a page every
    client opens); limits and NUL are checked by care.worksheets.clean_answers with messages.
    """

    def __init__(self, prompts: list[dict], data=None, *, initial: dict | None = None,
                 draft_id: int | None = None):  # fmt: skip
        self.prompts = prompts
        self.data = data
        self.initial = initial or {}
        self.draft_id = draft_id
        self.errors: dict[str, list[str]] = {}

    def raw_answers(self) -> dict[str, str]:
        source = self.data if self.data is not None else {}
        return {prompt["key"]: source.get(f"answer_{prompt['key']}", "") for prompt in self.prompts}

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        self.errors.update(errors)

    def fields(self) -> list[dict]:
        values = self.raw_answers() if self.data is not None else self.initial
        return [
            {
                "name": f"answer_{prompt['key']}",
                "id": f"id_answer_{prompt['key']}",
                "label": prompt["label"],
                "help": prompt.get("help", ""),
                "kind": prompt.get("kind", "textarea"),
                "value": values.get(prompt["key"], ""),
                "errors": self.errors.get(prompt["key"], []),
            }
            for prompt in self.prompts
        ]
