"""The worksheet form's own rendering: labelled, described, escaped, and faithful to the answer."""

import re

from courses.forms import WorksheetForm

PROMPTS = [
    {
        "key": "signs",
        "label": "My early signs",
        "help": "Body, thoughts, moods",
        "kind": "textarea",
    },
    {"key": "word", "label": "One word", "help": "", "kind": "text"},
    {"key": "calm", "label": "How calm?", "help": "", "kind": "scale"},
]


def test_every_prompt_is_a_labelled_control_with_its_help_tied_to_it():
    html = str(WorksheetForm(PROMPTS).as_html())

    assert '<label for="id_answer_signs">My early signs</label>' in html
    assert '<span class="helptext" id="id_answer_signs_help">Body, thoughts, moods</span>' in html
    assert re.search(
        r'<textarea name="answer_signs" id="id_answer_signs" '
        r'aria-describedby="id_answer_signs_help" rows="5">\n</textarea>',
        html,
    )
    assert '<input type="text" name="answer_word" id="id_answer_word" value="">' in html
    assert "aria-describedby" not in html.split('id="id_answer_word"')[1].split(">")[0]
    assert html.count("<option") == 12  # "—" and 0 to 10


def test_saved_answers_are_shown_escaped_and_exact():
    answers = {
        "signs": "\nfirst line\n</textarea><script>x()</script>",
        "word": '"tired" & <b>',
        "calm": "7",
    }
    html = str(WorksheetForm(PROMPTS, initial=answers).as_html())

    assert "<script>" not in html and "<b>" not in html
    # The newline after the opening tag is eaten by the browser, so an answer that starts with a
    # newline keeps it.
    assert (
        'rows="5">\n\nfirst line\n&lt;/textarea&gt;&lt;script&gt;x()&lt;/script&gt;</textarea>'
        in html
    )
    assert 'value="&quot;tired&quot; &amp; &lt;b&gt;"' in html
    assert '<option value="7" selected>7</option>' in html
    assert html.count(" selected") == 1


def test_errors_are_shown_next_to_the_field_and_announced_with_it():
    form = WorksheetForm(PROMPTS, {"answer_calm": "eleven"})
    form.add_errors({"calm": ["Choose a number from 0 to 10."]})
    html = str(form.as_html())

    assert (
        '<span class="errorlist" id="id_answer_calm_error">Choose a number from 0 to 10.</span>'
        in html
    )
    assert (
        '<select name="answer_calm" id="id_answer_calm" aria-describedby="id_answer_calm_error">'
        in html
    )
    assert " selected" not in html  # "eleven" matches no option
