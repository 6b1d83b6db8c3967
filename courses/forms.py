"""Forms for the client's course pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .worksheets import MAX_FEEDBACK, clean_feedback_text

# Strings, not ints: a template renders a string without a trip through number localization.
SUDS_VALUES = tuple(str(n) for n in range(11))
SUDS_CHOICES = [(value, value) for value in SUDS_VALUES]


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

    Rendered here with format_html (every value escaped), not through Django's widget templates
    or a template loop: a worksheet has up to a dozen prompts on a page every client opens, and
    this costs a tenth of either (bench/course.py). Limits and NUL are checked by
    courses.worksheets.clean_answers with messages.
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

    def as_html(self) -> SafeString:
        """Every prompt as a labelled control, with its help and errors tied to it for screen
        readers (aria-describedby)."""
        return mark_safe("".join(self._field_html(f) for f in self.fields()))  # noqa: S308 - parts built by format_html

    @staticmethod
    def _field_html(f: dict) -> str:
        described, notes = [], []
        if f["help"]:
            described.append(f"{f['id']}_help")
            notes.append(
                format_html('<span class="helptext" id="{}_help">{}</span>', f["id"], f["help"])
            )
        if f["errors"]:
            described.append(f"{f['id']}_error")
            notes.append(
                format_html(
                    '<span class="errorlist" id="{}_error">{}</span>',
                    f["id"],
                    " ".join(f["errors"]),
                )
            )
        attrs = format_html(
            'name="{}" id="{}"{}',
            f["name"],
            f["id"],
            format_html(' aria-describedby="{}"', " ".join(described)) if described else "",
        )
        if f["kind"] == "scale":
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((v, " selected" if v == f["value"] else "", v) for v in SUDS_VALUES),
            )
            control = format_html(
                '<select {}><option value="">—</option>{}</select>', attrs, options
            )
        elif f["kind"] == "text":
            control = format_html('<input type="text" {} value="{}">', attrs, f["value"])
        else:
            # The newline after the opening tag keeps an answer that starts with one intact.
            control = format_html('<textarea {} rows="5">\n{}</textarea>', attrs, f["value"])
        return format_html(
            '<p><label for="{}">{}</label>{}{}</p>',
            f["id"],
            f["label"],
            mark_safe("".join(notes)),  # noqa: S308 - each note built by format_html
            control,
        )


class WorksheetReplyForm(forms.Form):
    """A care-team reply to a submitted worksheet version. Validated by
    courses.worksheets.clean_feedback_text, the rule the service applies too."""

    text = forms.CharField(
        label="Your reply",
        help_text=(
            "The client reads it under this version in My work, marked as from their care team "
            "(not by name). Unless they have switched these off, they also get a short message "
            "that something new is waiting, never its words, at most once a day."
        ),
        required=False,  # an empty reply gets clean_feedback_text's own message
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_FEEDBACK}),
    )

    def clean_text(self) -> str:
        try:
            return clean_feedback_text(self.cleaned_data.get("text", ""))
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
