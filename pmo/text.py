"""Text helpers shared by every app."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a spreadsheet cell: full-width (Japanese)
    characters take two, as ``str.ljust`` and column widths in characters do not know."""
    return sum(2 if unicodedata.east_asian_width(ch) in "FW" else 1 for ch in text)
