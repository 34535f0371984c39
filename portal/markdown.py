"""Markdown → safe HTML, the one way every page renders user-written text (主要职责, 内设机构职责 …).

Markdown (the ``markdown`` package) turns the text into HTML, then nh3 keeps only a small set of
tags and attributes: scripts, event handlers, styles and ``javascript:``/``data:`` links are
stripped, so text typed by any user or imported from a spreadsheet cannot run in a viewer's browser.
"""
from __future__ import annotations

import markdown as _markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
    "blockquote", "code", "pre", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "sub", "sup",
})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
EXTENSIONS = ("tables", "sane_lists")


def render_markdown(text: str | None) -> Markup:
    """Sanitised HTML for ``text`` (empty Markup for empty text)."""
    if not text or not text.strip():
        return Markup("")
    html = _markdown.markdown(text, extensions=list(EXTENSIONS), output_format="html")
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)
