"""The check-in's options written in Python (daily/templatetags/daily_forms.py) are the inputs
Django's own widgets write: same type, name, value, id and checked state, each in its label."""

import re

import pytest
from django.utils.html import escape

from daily.forms import CheckinEveningForm
from daily.templatetags.daily_forms import options

ANCHORS = ["Walk <outside>", 'Call "Sam"', "Read & rest"]
FIELDS = ("anchors_done", "mood", "urge", "loudest_part", "bottom_lines", "safe")


def djangos(field, css: str) -> str:
    """What the templates wrote before: each subwidget's own tag inside its label."""
    return "\n".join(
        f'<label class="{css}" for="{w.id_for_label}">{w.tag()}'
        f"<span>{escape(w.choice_label)}</span></label>"
        for w in field
    )


def normalised(html: str) -> list[str]:
    """Tags with their attributes sorted, so attribute order does not count."""
    out = []
    for tag in re.findall(r"<[^>]+>|[^<]+", html.replace("\n", "")):
        if tag.startswith("<input"):
            attrs = sorted(re.findall(r'([\w-]+)(?:="([^"]*)")?', tag[len("<input") : -1]))
            out.append(f"input {attrs}")
        else:
            out.append(tag)
    return out


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"anchors_done": ["Read & rest", 'Call "Sam"'], "mood": "7", "urge": "0",
         "loudest_part": "teenager", "bottom_lines": "lapsed", "safe": "no"},
        {"mood": "11", "loudest_part": "nobody", "anchors_done": ["Not offered"]},
    ],
    ids=["empty", "answered", "refused"],
)  # fmt: skip
def test_the_options_are_the_inputs_djangos_widgets_write(data):
    form = CheckinEveningForm(data, anchors=ANCHORS)
    if data is not None:
        form.is_valid()
    for name in FIELDS:
        field = form[name]
        assert normalised(options(field, "opt")) == normalised(djangos(field, "opt")), name


def test_an_answer_from_a_stored_check_in_is_checked():
    form = CheckinEveningForm(
        initial={"mood": "4", "anchors_done": ["Walk <outside>"]}, anchors=ANCHORS
    )
    assert 'value="4" id="id_mood_4" checked' in options(form["mood"], "opt")
    assert 'value="Walk &lt;outside&gt;" id="id_anchors_done_0" checked' in options(
        form["anchors_done"], "opt"
    )
    assert "checked" not in options(form["urge"], "opt")
