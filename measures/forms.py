"""The questionnaire as a form: one set of radio buttons per item, in the instrument's order,
with the instrument's own wording and response options."""

from django import forms

from .instruments import InstrumentSpec


def field_name(number: int) -> str:
    return f"item_{number}"


class AnswersForm(forms.Form):
    """Answers to `spec`: `answers()` gives item number to value once the form is valid."""

    def __init__(self, spec: InstrumentSpec, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        for item in spec.items:
            self.fields[field_name(item.number)] = forms.TypedChoiceField(
                label=f"{item.number}. {item.text}",
                choices=[(o.value, o.label) for o in item.options],
                coerce=int,
                required=item.required,
                widget=forms.RadioSelect,
                error_messages={"required": "Please choose one answer for this question."},
            )

    def answers(self) -> dict[int, int]:
        return {
            item.number: self.cleaned_data[field_name(item.number)]
            for item in self.spec.items
            if self.cleaned_data.get(field_name(item.number)) not in (None, "")
        }
