"""The record's forms written in Python (care/formhtml.py) are Django's own `as_p`, character
for character: every pacing verb with weeks to choose and without, the new note and a draft's
edit form with values that need escaping, and a bound form, which Django renders itself."""

from datetime import UTC, date, datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe

from care.formhtml import paragraphs
from care.forms import PACING_FORMS, NoteForm
from courses.models import Module
from courses.selectors import ModuleState

TRICKY = 'Fear & "avoidance" <b>it\'s</b>'


def weeks(*, held: bool) -> list[ModuleState]:
    return [
        ModuleState(
            module=Module(pk=40 + week, week=week, title=f"{TRICKY} {week}"),
            lessons=[],
            released=week <= 2,
            due_at=datetime(2026, 11, 2 + week, 14, 0, tzinfo=UTC),
            required_total=3,
            required_done=3 if week <= 2 else 0,
            held=held and week == 4,
        )
        for week in range(1, 7)
    ]


def django_p(form: forms.BaseForm) -> str:
    return forms.BaseForm.as_p(form)


@pytest.mark.parametrize("verb", list(PACING_FORMS))
@pytest.mark.parametrize("held", [False, True])
def test_every_pacing_form_is_written_as_django_writes_it(verb, held):
    for these in (weeks(held=held), []):
        form = PACING_FORMS[verb](weeks=these)
        assert str(form.as_p()) == str(paragraphs(form)) == django_p(form)


def test_the_note_forms_are_written_as_django_writes_them():
    today = date(2026, 11, 25)
    new = NoteForm(initial={"note_date": today}, today=today, auto_id="note-new-%s")
    draft = NoteForm(
        initial={"note_date": date(2026, 11, 20), "kind": "phone", "text": f"{TRICKY}\n&amp;"},
        today=today,
        auto_id="note-7-%s",
    )
    plain = NoteForm(today=today)
    for form in (new, draft, plain):
        assert str(form.as_p()) == django_p(form)
    assert "&lt;b&gt;it&#x27;s&lt;/b&gt;" in str(draft.as_p())


def test_a_bound_form_with_errors_is_left_to_django():
    form = PACING_FORMS["shift"]({"days": "0", "reason": "<x>"}, weeks=[])
    assert not form.is_valid()
    assert str(form.as_p()) == django_p(form)
    assert "Choose a reason from the list." in str(form.as_p())


def test_values_marked_safe_are_kept_or_escaped_as_django_does():
    today = date(2026, 11, 25)
    form = NoteForm(initial={"text": mark_safe("<i>kept</i>")}, today=today)
    form.fields["text"].widget.attrs["placeholder"] = mark_safe('"<i>"')
    form.fields["kind"].choices = [(mark_safe("<v>"), mark_safe("<b>label</b>"))]
    assert str(form.as_p()) == django_p(form)
    plain = NoteForm(initial={"text": "<i>escaped</i>"}, today=today)
    plain.fields["text"].widget.attrs["placeholder"] = '"<i>"'
    assert str(plain.as_p()) == django_p(plain)
    assert 'placeholder="&quot;&lt;i&gt;&quot;"' in str(plain.as_p())
    assert "&lt;i&gt;escaped&lt;/i&gt;" in str(plain.as_p())
