"""The record's empty forms as paragraphs, written in Python.

Django renders a form's `as_p` through a template per field, per widget and per option, which
cost the record page about 3 ms a form (six pacing forms and the note forms). `paragraphs`
writes the same HTML, character for character, for the plain case the record uses: an unbound
form (no errors) of inputs, text areas and selects without help text, hidden fields or CSS
classes. Anything else goes to Django's own `as_p`; tests/care/test_record_forms_html.py checks
the two agree for every form the record shows. Every value is escaped as the templates do."""

import html
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

# The widgets written here. Their templates: number, date and text include input.html.
_INPUTS = {f"django/forms/widgets/{name}.html" for name in ("input", "number", "date", "text")}
_SIMPLE_WIDGETS = (
    forms.NumberInput,
    forms.DateInput,
    forms.TextInput,
    forms.Textarea,
    forms.Select,
)
_PUNCTUATION = ":?.!"


def escape(value: object) -> str:
    """Text made safe for HTML, as Django's escape makes it, without its lazy-string wrapper
    (the record's sections escape several hundred values a page with it)."""
    return html.escape(str(value))


def _safe(value: object) -> str:
    """Django's conditional_escape (what a template's autoescape does: text already marked safe
    is kept, anything else escaped), without its lazy-string wrapper."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _formatted(value: object) -> str:
    """A value through |stringformat:'s' and autoescape: stringformat keeps a value marked
    safe as safe, so this is conditional_escape too."""
    return _safe(value)


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {_safe(name)}")
        else:
            out.append(f' {_safe(name)}="{_formatted(value)}"')
    return "".join(out)


def _widget(widget: forms.Widget, context: dict[str, Any]) -> str:
    w = context["widget"]
    if isinstance(widget, forms.Select):
        parts = [f'<select name="{_safe(w["name"])}"{_attrs(w["attrs"])}>']
        for group_name, group_choices, _ in w["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_safe(group_name)}">')
            for option in group_choices:
                parts.append(
                    f'\n  <option value="{_formatted(option["value"])}"'
                    f"{_attrs(option['attrs'])}>{_safe(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)
    if isinstance(widget, forms.Textarea):
        value = _safe(w["value"]) if w["value"] else ""
        name = _safe(w["name"])
        return f'<textarea name="{name}"{_attrs(w["attrs"])}>\n{value}</textarea>'
    value = ""
    if w["value"] is not None:
        value = f' value="{_formatted(w["value"])}"'
    return f'<input type="{_safe(w["type"])}" name="{_safe(w["name"])}"{value}{_attrs(w["attrs"])}>'


def _plain(form: forms.BaseForm) -> bool:
    """Whether `paragraphs` can write `form` (else Django's `as_p` does)."""
    if form.is_bound or hasattr(form, "required_css_class") or hasattr(form, "error_css_class"):
        return False
    if (
        form.template_name_p != "django/forms/p.html"
        or form.template_name_label != "django/forms/label.html"
    ):
        return False
    for field in form.fields.values():
        widget = field.widget
        if field.help_text or field.localize or field.show_hidden_initial:
            return False
        if type(widget) not in _SIMPLE_WIDGETS:
            return False
        if isinstance(widget, forms.Select):
            if widget.template_name != "django/forms/widgets/select.html":
                return False
            if widget.option_template_name != "django/forms/widgets/select_option.html":
                return False
        elif isinstance(widget, forms.Textarea):
            if widget.template_name != "django/forms/widgets/textarea.html":
                return False
        elif widget.template_name not in _INPUTS:
            return False
    return True


def _label(bf: forms.BoundField, id_: str) -> str:
    """BoundField.label_tag() and django/forms/label.html, for a plain form."""
    contents = str(_safe(bf.label))
    suffix = bf.field.label_suffix if bf.field.label_suffix is not None else bf.form.label_suffix
    if suffix and contents and contents[-1] not in _PUNCTUATION:
        contents = f"{contents}{_safe(suffix)}"
    if not id_:
        return contents
    id_for_label = bf.field.widget.id_for_label(id_)
    attrs = _attrs({"for": id_for_label}) if id_for_label else ""
    return f"<label{attrs}>{contents}</label>"


def paragraphs(form: forms.BaseForm) -> SafeString:
    """`form.as_p()`, written in Python when the form is plain (see `_plain`)."""
    if not _plain(form):
        return forms.BaseForm.as_p(form)
    rendered = []
    for bf in form:
        widget = bf.field.widget
        attrs = bf.build_widget_attrs({}, widget)
        if bf.auto_id and "id" not in widget.attrs:
            attrs.setdefault("id", bf.auto_id)
        context = widget.get_context(bf.html_name, bf.value(), attrs)
        label = _label(bf, widget.attrs.get("id") or bf.auto_id) if bf.label else ""
        rendered.append(f"<p>\n    {label}\n    {_widget(widget, context)}\n    \n    \n")
    if not rendered:
        return forms.BaseForm.as_p(form)
    rendered[-1] += "      \n    \n"
    # Every value above went through conditional_escape, as the templates' autoescape does.
    return mark_safe("  </p>\n\n  \n  ".join(rendered) + "  </p>")  # noqa: S308
