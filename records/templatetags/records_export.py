"""Rendering a prepared copy's document as readable HTML: each item a definition list, nested
answers and replies inside it, instants in words. Every value is escaped."""

import re
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _label(key: Any) -> str:
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]


def _scalar(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, str) and _INSTANT.match(value):
        try:
            return datetime.fromisoformat(value).strftime("%-d %b %Y, %H:%M")
        except ValueError:
            return value
    return str(value)


def _render(value: Any) -> SafeString:
    if isinstance(value, dict):
        return _definitions(value)
    if isinstance(value, list):
        if not value:
            return format_html("{}", "—")
        return format_html(
            '<ul class="plain-list">{}</ul>',
            format_html_join("", "<li>{}</li>", ((_render(item),) for item in value)),
        )
    return format_html('<span class="pre-line">{}</span>', _scalar(value))


def _definitions(values: dict) -> SafeString:
    rows = format_html_join(
        "", "<dt>{}</dt><dd>{}</dd>", ((_label(k), _render(v)) for k, v in values.items())
    )
    return format_html('<dl class="record-item">{}</dl>', rows)


@register.filter
def record_value(value: Any) -> SafeString:
    """A document value (a list of items, an item, or one value) as escaped HTML."""
    return _render(value)


@register.filter
def section(document: dict, key: str) -> Any:
    """One section of the document by key (template lookups cannot take a variable key)."""
    return document.get(key) if isinstance(document, dict) else None
