"""Safe rich text for FAQ answers: paragraphs, lists, links, emphasis — nothing that runs."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

TAGS = {"p", "ul", "ol", "li", "a", "strong", "em", "br"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize(text: str | None) -> str:
    """Keep only the allowed tags; links get ``rel="noopener noreferrer"``."""
    return nh3.clean(
        text or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render(text: str | None) -> SafeString:
    """Sanitised HTML ready for a template (sanitised again: the database is not trusted)."""
    return mark_safe(sanitize(text))  # noqa: S308 - nh3 output, allow-list above


def from_plain(text: str | None) -> str:
    """Plain text (an inquiry answer typed in a textarea) as safe paragraphs."""
    return sanitize(linebreaks(escape(text or "")))


_TAG = re.compile(r"</?(?:" + "|".join(sorted(TAGS)) + r")\b[^>]*>", re.IGNORECASE)


def from_editor(text: str | None) -> str:
    """What an editor typed: HTML as it is (sanitised on save); text without any allowed tag
    as paragraphs (blank lines) and line breaks, like an inquiry answer."""
    text = (text or "").strip()
    return text if _TAG.search(text) else from_plain(text)


_BLOCK_END = re.compile(r"</(p|li|ul|ol)>|<br\s*/?>", re.IGNORECASE)


def to_plain(text: str | None) -> str:
    """The words of an answer without markup (for search columns, snippets, Excel)."""
    spaced = _BLOCK_END.sub(lambda m: m.group(0) + "\n", text or "")
    stripped = nh3.clean(spaced, tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(stripped).strip()
