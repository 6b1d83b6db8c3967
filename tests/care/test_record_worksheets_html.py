"""The record's worksheets written in Python (care/selectors/record_worksheets.py) are what the
shared partials templates/care/worksheets/_fields.html and _replies.html write, for changed,
unchanged, empty and escaped answers and replies (the version's own page still uses them)."""

import re
from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from care.selectors.record_worksheets import fields_html, replies_html
from courses.models import WorksheetFeedback
from courses.worksheets import answers_diff

TRICKY = 'Fear & "avoidance" <b>it\'s</b>'
PROMPTS = [
    {"key": "one", "label": f"What {TRICKY}?", "type": "text"},
    {"key": "two", "label": "Same", "type": "text"},
    {"key": "three", "label": "Empty", "type": "text"},
]


def squeeze(html: str) -> str:
    return re.sub(r"\s+", " ", str(html)).replace("> <", "><").strip()


@pytest.mark.parametrize("compare", [None, 1])
def test_the_fields_are_the_partials(compare):
    old = {"one": "I sleep late <often>", "two": "steady", "three": ""}
    new = {"one": f"I stay up {TRICKY}", "two": "steady", "three": ""}
    fields = answers_diff(PROMPTS, old if compare else None, new)
    assert any(kind != "equal" for f in fields for kind, _ in f.segments) == bool(compare)
    expected = render_to_string(
        "care/worksheets/_fields.html", {"fields": fields, "compare": compare}
    )
    assert squeeze(fields_html(fields, compare=compare)) == squeeze(expected)
    assert "<b>" not in fields_html(fields, compare=compare)


def test_the_replies_are_the_partial():
    when = datetime(2026, 11, 25, 15, 4, tzinfo=UTC)
    replies = [
        WorksheetFeedback(
            author=User(preferred_name=TRICKY), text=f"Well done {TRICKY}", created_at=when
        ),
        WorksheetFeedback(author=User(preferred_name=""), text="Thanks\nagain", created_at=when),
    ]
    with timezone.override("America/New_York"):
        expected = render_to_string("care/worksheets/_replies.html", {"replies": replies})
        assert squeeze(replies_html(replies)) == squeeze(expected)
    assert "A member of the care team" in replies_html(replies)
