"""How an editor writes an FAQ's number, related FAQs and related documents as text.

Plain functions on plain values, shared by the Excel import and the portal's edit form so
both read the same text the same way.
"""

from __future__ import annotations

import re
import unicodedata

NUMBER_RE = re.compile(r"^FAQ-\d{4,}$")
NUMBER_SEPARATORS = re.compile(r"[,、\s]+")
LINK_SCHEMES = ("http://", "https://")


def clean_number(text: str | None) -> str:
    """``ｆａｑ－０００１`` → ``FAQ-0001``: full-width and lower case are common in typed input."""
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def is_number(text: str) -> bool:
    return bool(NUMBER_RE.match(text))


def split_numbers(text: str | None) -> list[str]:
    """FAQ numbers separated by commas, 読点 or spaces, in order, each once."""
    numbers = [clean_number(part) for part in NUMBER_SEPARATORS.split(text or "")]
    return list(dict.fromkeys(n for n in numbers if n))


def is_link_url(url: str) -> bool:
    """Site paths and web addresses only (no ``javascript:`` or ``mailto:`` links)."""
    return url.startswith("/") or url.startswith(LINK_SCHEMES)


def parse_links(text: str | None) -> tuple[list[dict], list[int]]:
    """``資料名|URL`` lines as links, and the 1-based numbers of the lines that are not."""
    links: list[dict] = []
    bad: list[int] = []
    lines = [line.strip() for line in (text or "").splitlines()]
    for index, line in enumerate(lines, start=1):
        if not line:
            continue
        title, _bar, url = line.rpartition("|")
        url = url.strip()
        if not title.strip() or not is_link_url(url):
            bad.append(index)
            continue
        links.append({"title": title.strip()[:200], "url": url[:500]})
    return links, bad


def links_text(links: list[dict] | None) -> str:
    """The inverse of :func:`parse_links` (also the export's cell)."""
    return "\n".join(f"{link.get('title', '')}|{link.get('url', '')}" for link in links or [])
