"""FAQ search on the normalised columns, question matches first, with safe highlighting.

Every word of the query must appear in the question or the answer, as written or as read: the
readings (kana) of both are stored too (:func:`faq.normalize.reading`), so ねんきん, ネンキン
and ﾈﾝｷﾝ find 年金, and a kanji word also matches by its reading. A word found in the
question scores 2, in the answer 1; ties go to the most viewed. The lookups are ``contains``
on the normalised (already case-folded) columns, which on Postgres use the pg_trgm GIN
indexes of migration 0002 from three characters up; a two-character word (年金, 税務) is
looked up in the bigram GIN indexes of migration 0005 first, then checked with ``contains``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from faq import richtext
from faq.models import FAQ
from faq.normalize import (
    has_kanji,
    kana_nouns,
    keywords,
    normalize,
    normalize_with_spans,
    reading_with_spans,
    terms,
    variants,
)

MAX_QUERY_LENGTH = 200
NUMBER = re.compile(r"^faq-\d{4,}$")
MAX_TERMS = 10


@dataclass
class Search:
    query: str
    terms: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def active(self) -> bool:
        return bool(self.terms)


def clean(raw: str | None) -> str:
    """The query as typed, less control and format characters (what is echoed and prefilled)."""
    kept = (
        " " if char.isspace() else char
        for char in (raw or "")
        if char.isspace() or unicodedata.category(char)[0] != "C"
    )
    return " ".join("".join(kept).split())


def parse(raw: str | None) -> Search:
    """Validate a raw ``?q=``: too long is an error, control characters alone are no query."""
    query = clean(raw)
    if len(query) > MAX_QUERY_LENGTH:
        return Search(
            query="",
            error=f"検索語が長すぎます。{MAX_QUERY_LENGTH}文字以内で入力してください。",
        )
    return Search(query=query, terms=terms(query, limit=MAX_TERMS))


class HasBigram(Func):
    """``faq_bigrams(column) @> ARRAY[word]``: the expression of the bigram GIN indexes."""

    output_field = BooleanField()

    def __init__(self, column: str, word: str):
        super().__init__(F(column))
        self.word = word

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"faq_bigrams({column}) @> ARRAY[%s]::text[]", [*params, self.word]


TEXT_COLUMNS = ("question_norm", "answer_norm")
READING_COLUMNS = ("question_reading", "answer_reading")


class InCandidates(Func):
    """``id = ANY(ARRAY(subquery))``: the candidates are read once through their indexes, then
    fetched by primary key. As ``id IN (subquery)`` the planner may instead scan the table and
    probe the subquery per row, computing the bigrams of every row (seconds for a reading
    such as ぜい that most entries contain)."""

    output_field = BooleanField()

    def __init__(self, candidates: QuerySet[FAQ]):
        super().__init__(F("pk"), Subquery(candidates))

    def as_sql(self, compiler, connection, **extra):
        pk, pk_params = compiler.compile(self.source_expressions[0])
        subquery, params = compiler.compile(self.source_expressions[1])
        return f"{pk} = ANY(ARRAY{subquery})", [*pk_params, *params]


def _pairs(word: str) -> list[tuple[str, str]]:
    """(column, text) lookups for a word. A word with kanji is looked for in the text, and its
    reading in the readings (手続 also finds 手続き); a word without kanji (ねんきん, ﾈﾝｷﾝ
    folded, faq) in the text and in the readings."""
    read = variants(word)[1:]
    if read:
        return [(column, word) for column in TEXT_COLUMNS] + [
            (column, text) for text in read for column in READING_COLUMNS
        ]
    return [(column, word) for column in (*TEXT_COLUMNS, *READING_COLUMNS)]


def _found(word: str) -> Q:
    """The word (or its reading) in the question or the answer, or in their readings.

    Three characters and more use the pg_trgm indexes. On Postgres a two-kanji piece cannot:
    the rows are then first read as candidates through the bigram GIN indexes (exact, not
    evaluated again per row) and the trigram ones, once (:class:`InCandidates`), then
    confirmed with ``contains``."""
    pairs = _pairs(word)
    found = Q()
    for column, text in pairs:
        found |= Q(**{f"{column}__contains": text})
    short = [text for _column, text in pairs if len(text) == 2]
    # Two kana (ほう, ぜい) are in most readings: the bigram index would select nearly every
    # row and the planner then computes the bigrams of each one (seconds); a plain scan is
    # as fast as ILIKE. Two kanji (年金, 税務) are selective: narrow by the bigram index.
    if connection.vendor == "postgresql" and short and all(has_kanji(t) for t in short):
        # Bigram and trigram lookups in separate arms of a UNION: in one OR the trigram
        # matches (lossy, so rechecked) would make every row recompute the bigrams.
        bigrams, trigrams = Q(), Q()
        for column, text in pairs:
            if len(text) == 2:
                bigrams |= Q(HasBigram(column, text))
            else:
                trigrams |= Q(**{f"{column}__contains": text})
        candidates = FAQ.objects.filter(bigrams).order_by().values("pk")
        if trigrams:
            candidates = candidates.union(FAQ.objects.filter(trigrams).order_by().values("pk"))
        found &= Q(InCandidates(candidates))
    return found


def _in_question(word: str) -> Q:
    found = Q()
    for column, text in _pairs(word):
        if column.startswith("question_"):
            found |= Q(**{f"{column}__contains": text})
    return found


def matching(queryset: QuerySet[FAQ], words: list[str]) -> QuerySet[FAQ]:
    """FAQs containing every word (as written or read), annotated with ``rank``, best first."""
    if not words:
        return queryset
    rank = Value(0, output_field=IntegerField())
    for word in words:
        found = _found(word)
        if NUMBER.match(word):  # "faq-0017" (normalised) finds FAQ-0017 itself
            found |= Q(number=word.upper())
        queryset = queryset.filter(found)
        rank = rank + Case(
            When(_in_question(word), then=Value(2)),
            When(number=word.upper(), then=Value(3)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return queryset.annotate(rank=rank).order_by("-rank", "-view_count", "number")


def _ranges(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` matching ``words`` in its normalised form, else in its reading."""
    norm, spans = normalize_with_spans(text)
    ranges: list[tuple[int, int]] = []
    missing: list[str] = []
    for word in words:
        before = len(ranges)
        ranges += _find_all(norm, spans, [word])
        if len(ranges) == before:
            missing.append(word)
    if missing:
        # Found by reading only (ねんきん for 年金): mark the words read that way.
        read, read_spans = reading_with_spans(text)
        for word in missing:
            ranges += _find_all(read, read_spans, variants(word))
    return ranges


def _find_all(norm: str, spans: list[tuple[int, int]], words: list[str]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for word in words:
        start = norm.find(word)
        while start != -1:
            end = start + len(word)
            ranges.append((spans[start][0], spans[end - 1][1]))
            start = norm.find(word, end)
    return ranges


def highlight(text: str | None, words: list[str]) -> SafeString:
    """``text`` escaped, with every normalised match of ``words`` wrapped in ``<mark>``."""
    text = text or ""
    if not words:
        return escape(text)
    ranges = _ranges(text, words)
    if not ranges:
        return escape(text)
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, cursor = [], 0
    for start, end in merged:
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


def snippet(answer_html: str, words: list[str], *, width: int = 120) -> SafeString:
    """A short plain-text excerpt of the answer around the first match, highlighted."""
    plain = " ".join(richtext.to_plain(answer_html).split())
    found = _ranges(plain, words)
    origin = min(start for start, _end in found) if found else 0
    start = max(0, origin - width // 3)
    excerpt = plain[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(plain) else ""
    return mark_safe(f"{prefix}{highlight(excerpt, words)}{suffix}")  # noqa: S308


def suggest(raw: str | None, *, limit: int = 5, queryset: QuerySet[FAQ] | None = None) -> list[FAQ]:
    """A few FAQs for the inquiry form: by the words of what is typed so far (kanji, katakana
    and latin runs, and nouns typed in hiragana), each also by its reading."""
    typed = (raw or "")[:MAX_QUERY_LENGTH]
    words = keywords(typed, limit=MAX_TERMS)
    words += [word for word in kana_nouns(typed) if word not in words]
    words = words[:MAX_TERMS]
    if not words:
        return []
    # ``queryset``: what the asker may see (the view passes it through the one door).
    qs = (FAQ.objects.published() if queryset is None else queryset).only("number", "question")
    # Typed sentences rarely appear verbatim; match any word, best first.
    any_word = Q()
    rank = Value(0, output_field=IntegerField())
    for word in words:
        found = _found(word)
        any_word |= found
        rank = rank + Case(
            When(_in_question(word), then=Value(2)),
            When(found, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return list(qs.filter(any_word).annotate(rank=rank).order_by("-rank", "number")[:limit])


__all__ = ["Search", "highlight", "matching", "normalize", "parse", "snippet", "suggest"]
