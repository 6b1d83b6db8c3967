"""Lesson Markdown to safe HTML. Rendered once at load time and stored; raw HTML is stripped."""

from dataclasses import dataclass

import markdown as md
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "blockquote",
    "a", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


def render_markdown(text: str) -> str:
    """Markdown → sanitized HTML: an allow-list of tags, http(s)/mailto/tel links only."""
    converter = md.Markdown(extensions=["tables", "sane_lists", "def_list"], output_format="html")
    # Escape raw HTML in the source instead of passing it through.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    html = converter.convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


@dataclass(frozen=True)
class TranscriptParts:
    """A lesson's rendered body cut around its "## Transcript" section, each part whole
    top-level elements of the sanitized HTML (the cut falls only before an <h2>)."""

    before: str
    transcript: str
    after: str


TRANSCRIPT_HEADING = "<h2>Transcript</h2>"


def split_transcript(body_html: str) -> TranscriptParts | None:
    """The body before the transcript's heading, the transcript (up to the next <h2>), and the
    rest; None when the body has no "Transcript" heading."""
    before, heading, rest = body_html.partition(TRANSCRIPT_HEADING)
    if not heading:
        return None
    end = rest.find("<h2")
    if end == -1:
        return TranscriptParts(before=before, transcript=rest, after="")
    return TranscriptParts(before=before, transcript=rest[:end], after=rest[end:])
