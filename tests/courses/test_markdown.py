"""Lesson Markdown: a guided lesson's transcript is cut out of its rendered body."""

from courses.markdown import render_markdown, split_transcript


def test_the_transcript_is_cut_between_its_heading_and_the_next_section():
    html = render_markdown(
        "Before you begin.\n\n## Transcript\n\nWelcome. *(pause)*\n\n- Feet\n- Breath\n\n"
        "## After the practice\n\nRate again.\n"
    )
    parts = split_transcript(html)
    assert parts.before.strip() == "<p>Before you begin.</p>"
    assert "<p>Welcome. <em>(pause)</em></p>" in parts.transcript
    assert "<li>Feet</li>" in parts.transcript and "<h2" not in parts.transcript
    assert parts.after.startswith("<h2>After the practice</h2>") and "Rate again." in parts.after
    # Nothing is lost or repeated: the parts and the heading make the body again.
    assert parts.before + "<h2>Transcript</h2>" + parts.transcript + parts.after == html


def test_a_transcript_that_ends_the_lesson_runs_to_the_end():
    parts = split_transcript(render_markdown("## Transcript\n\nWelcome.\n\n### Closing\n\nRest."))
    assert "<h3>Closing</h3>" in parts.transcript and parts.after == ""


def test_a_body_without_a_transcript_heading_is_not_cut():
    assert split_transcript(render_markdown("## Transcripts of old\n\nText.")) is None
    assert split_transcript(render_markdown("A word about the transcript.")) is None
