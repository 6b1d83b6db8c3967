"""Lesson Markdown to safe HTML. Rendered once at load time and stored; raw HTML is stripped."""

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
