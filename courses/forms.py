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


class WorksheetForm(forms.Form):
    """One field per prompt of a lesson; limits match care.worksheets.clean_answers."""

    draft_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, prompts: list[dict], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prompts = prompts
        for prompt in prompts:
            kind = prompt.get("kind", "textarea")
            common = {"label": prompt["label"], "help_text": prompt.get("help", ""),
                      "required": False}  # fmt: skip
            if kind == "scale":
                field = forms.ChoiceField(
                    choices=[("", "—")] + SUDS_CHOICES, widget=forms.Select, **common
                )
            elif kind == "text":
                field = forms.CharField(strip=False, **common)
            else:
                field = forms.CharField(
                    strip=False, widget=forms.Textarea(attrs={"rows": 5}), **common
                )
            # Limits and NUL are checked by care.worksheets.clean_answers with clear messages;
            # the form field must not silently drop or reject characters first.
            field.validators = []
            self.fields[f"answer_{prompt['key']}"] = field

    def raw_answers(self) -> dict[str, str]:
        return {
            prompt["key"]: self.data.get(f"answer_{prompt['key']}", "") for prompt in self.prompts
        }

    def bound_prompts(self):
        return [(prompt, self[f"answer_{prompt['key']}"]) for prompt in self.prompts]
