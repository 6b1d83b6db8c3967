"""A choice field's options written in Python: `{{ field|options:"css-class" }}`.

The check-in asks five questions of up to eleven answers each; rendering each option through
Django's widget templates cost the page about 4 ms (bench/daily.py). This writes the same inputs
(radio, or checkbox for a multiple choice), each inside its label, with Django's ids
(`<auto_id>_<index>`), aria-invalid on a refused answer, and Django's rule for what is checked
(the value as text is among the field's values). Every value is escaped.
tests/daily/test_options_html.py checks they agree with Django's widgets."""

from html import escape

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def options(field: BoundField, css: str) -> SafeString:
    """The field's choices as `<label class=css><input ...><span>text</span></label>`."""
    multiple = isinstance(field.field.widget, forms.CheckboxSelectMultiple)
    kind = "checkbox" if multiple else "radio"
    current = field.value()
    if current is None:
        chosen: set[str] = set()
    elif isinstance(current, list | tuple):
        chosen = {str(value) for value in current}
    else:
        chosen = {str(current)}
    name, base, css = escape(field.html_name), escape(field.auto_id), escape(css)
    invalid = ' aria-invalid="true"' if field.errors else ""  # as Django 5's widgets say
    out = []
    for index, (value, text) in enumerate(getattr(field.field, "choices", ())):
        checked = " checked" if str(value) in chosen else ""
        ident = f"{base}_{index}"
        out.append(
            f'<label class="{css}" for="{ident}"><input type="{kind}" name="{name}" '
            f'value="{escape(str(value))}" id="{ident}"{invalid}{checked}>'
            f"<span>{escape(str(text))}</span></label>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped
