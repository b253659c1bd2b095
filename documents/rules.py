"""Pure rules of the document library: text normalisation, audience, "new" marks, cells.

Plain functions on plain values, tested without a database.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

# Katakana ァ (U+30A1) … ヶ (U+30F6) sit 0x60 above their hiragana twins.
_KATAKANA = range(0x30A1, 0x30F7)
# With no previous login, what was published in the last NEW_DAYS counts as new.
NEW_DAYS = 14


def normalize(text: str) -> str:
    """Fold what a Japanese reader treats as the same text, for search on both sides.

    NFKC (full/half width: ``ＰＤＦ`` → ``pdf``, ``ｾｲｶﾂ`` → ``せいかつ``), katakana to
    hiragana, casefold, and runs of whitespace to one space.
    """
    folded = unicodedata.normalize("NFKC", str(text or ""))
    folded = "".join(chr(ord(c) - 0x60) if ord(c) in _KATAKANA else c for c in folded)
    return " ".join(folded.casefold().split())


def search_terms(query: str) -> list[str]:
    """The normalised words of a query; every one must match (AND)."""
    return [term for term in normalize(query).split(" ") if term]


def is_new(published_at: datetime | None, previous_login: datetime | None, now: datetime) -> bool:
    """ "新着": published since the user's previous login (or in the last NEW_DAYS days)."""
    if published_at is None:
        return False
    since = previous_login or now - timedelta(days=NEW_DAYS)
    return published_at > since


ALL_CLASSES_WORDS = ("全て", "すべて", "全部", "all")
# What may separate the words of a typed list (the full-width ones as people type them).
SEPARATORS = ("、", ",", "，")
CLASS_SEPARATORS = ("・", *SEPARATORS, "/")


def parse_classes(text: str, labels: dict[str, str]) -> tuple[list[str], list[str]]:
    """``"市、町・村"`` → (class codes, words not understood), read against ``{code: label}``.

    Empty text or すべて means every class. Separators: 、 , ・ / and spaces.
    """
    by_label = {normalize(label): code for code, label in labels.items()}
    by_label.update({normalize(code): code for code in labels})
    words = normalize(text)
    for separator in CLASS_SEPARATORS:
        words = words.replace(separator, " ")
    codes: list[str] = []
    unknown: list[str] = []
    for word in words.split():
        if word in ALL_CLASSES_WORDS:
            return list(labels), []
        if word in by_label:
            codes.append(by_label[word])
        else:
            unknown.append(word)
    return (codes if codes or unknown else list(labels)), unknown
