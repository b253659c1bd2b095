"""FAQ search on the normalised columns, question matches first, with safe highlighting.

Every word of the query must appear in the question or the answer, as written or as read: the
readings (kana) of both are stored too (:func:`faq.normalize.read`), so ねんきん, ネンキン
and ﾈﾝｷﾝ find 年金, and a kanji word also matches by its reading. A word found in the
question scores 2, in the answer 1; ties go to the most viewed. The lookups are ``contains``
on the normalised (already case-folded) columns, which on Postgres use the pg_trgm GIN
indexes of migration 0002 from three characters up; a two-character word (年金, 税務) is
looked up in the bigram GIN indexes of migration 0005 first, then checked with ``contains``.

A reading of one or two kana (ぜい, ほう) is a syllable of most readings: it is matched as the
start of a word instead (ぜい finds 税金 ぜいきん and 税務, not 課税 かぜい), against the
readings of the words stored beside the readings (``question_words``, ``answer_words``),
through the GIN indexes of migration 0008 on Postgres.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

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
from django.db.models.expressions import Combinable
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from faq import richtext
from faq.models import FAQ
from faq.normalize import (
    has_kanji,
    is_short_reading,
    kana_nouns,
    keywords,
    normalize,
    normalize_with_spans,
    reading_with_spans,
    terms,
    variants,
    word_spans,
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
            error=gettext("検索語が長すぎます。%(limit)s文字以内で入力してください。")
            % {"limit": MAX_QUERY_LENGTH},
        )
    return Search(query=query, terms=terms(query, limit=MAX_TERMS))


class HasBigram(Func):
    """``faq_bigrams(column) @> ARRAY[word]``: the expression of the bigram GIN indexes."""

    output_field = BooleanField()

    def __init__(self, column: str, word: str):
        super().__init__(F(column))
        self.word = word

    def as_sql(self, compiler, connection, *args, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"faq_bigrams({column}) @> ARRAY[%s]::text[]", [*params, self.word]


class HasWord(Func):
    """A word of ``column`` (space-separated readings of words) that starts with ``word``
    (``prefix``) or is ``word``. On Postgres ``faq_words(column) @@ 'word':*``, the expression
    of the GIN indexes of migration 0008; elsewhere (SQLite) a ``LIKE`` on the padded words."""

    output_field = BooleanField()

    def __init__(self, column: str, word: str, *, prefix: bool):
        super().__init__(F(column))
        self.word, self.prefix = word, prefix

    def as_sql(self, compiler, connection, *args, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        escaped = self.word.replace("\\", "\\\\")
        pattern = (
            "% " + escaped.replace("%", "\\%").replace("_", "\\_") + ("%" if self.prefix else " %")
        )
        return f"(' ' || {column} || ' ') LIKE %s ESCAPE '\\'", [*params, pattern]

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        lexeme = "'" + self.word.replace("\\", "\\\\").replace("'", "''") + "'"
        query = lexeme + (":*" if self.prefix else "")
        return f"faq_words({column}) @@ %s::tsquery", [*params, query]


TEXT_COLUMNS = ("question_norm", "answer_norm")
READING_COLUMNS = ("question_reading", "answer_reading")
WORD_COLUMNS = ("question_words", "answer_words")
CONTAINS, PREFIX, EXACT = "contains", "prefix", "exact"


class InCandidates(Func):
    """``id = ANY(ARRAY(subquery))``: the candidates are read once through their indexes, then
    fetched by primary key. As ``id IN (subquery)`` the planner may instead scan the table and
    probe the subquery per row, computing the bigrams of every row."""

    output_field = BooleanField()

    def __init__(self, candidates: QuerySet[FAQ, Any]):
        super().__init__(F("pk"), Subquery(candidates))

    def as_sql(self, compiler, connection, *args, **extra):
        pk, pk_params = compiler.compile(self.source_expressions[0])
        subquery, params = compiler.compile(self.source_expressions[1])
        return f"{pk} = ANY(ARRAY{subquery})", [*pk_params, *params]


def _pairs(word: str) -> list[tuple[str, str, str]]:
    """(column, text, how) lookups for a word.

    - Two kana at most (ぜい, ほう, ﾎｳ folded): a word whose reading starts with it (税金
      ぜいきん, 方法 ほうほう), not the syllable inside any reading (課税 かぜい, 情報
      じょうほう), which most entries have.
    - A word with kanji: the word in the text, and its reading in the readings (手続 also
      finds 手続き); a two-kana reading of two kanji or more (地区 ちく) as a whole word
      (not 畜産 ちくさん).
    - Any other word (ねんきん, ﾈﾝｷﾝ folded, faq): in the text and in the readings.
    """
    if is_short_reading(word):
        return [(column, word, PREFIX) for column in WORD_COLUMNS]
    read = variants(word)[1:]
    if read:
        pairs = [(column, word, CONTAINS) for column in TEXT_COLUMNS]
        for text in read:
            # A one-character word (税) is scanned anyway: its reading stays a substring, as
            # cheap to test on each row as the text (a tsvector of every row is not).
            if is_short_reading(text) and len(word) >= 2:
                pairs += [(column, text, EXACT) for column in WORD_COLUMNS]
            else:
                pairs += [(column, text, CONTAINS) for column in READING_COLUMNS]
        return pairs
    return [(column, word, CONTAINS) for column in (*TEXT_COLUMNS, *READING_COLUMNS)]


def _lookup(column: str, text: str, how: str) -> Q:
    if how == CONTAINS:
        return Q(**{f"{column}__contains": text})
    return Q(HasWord(column, text, prefix=how == PREFIX))


def _found(word: str) -> Q:
    """The word (or its reading) in the question or the answer, or in their readings.

    Three characters and more use the pg_trgm indexes, words the GIN indexes of their words.
    On Postgres a two-kanji piece cannot: the rows are then first read as candidates through
    the bigram GIN indexes (exact, not evaluated again per row), the trigram and the word ones,
    once (:class:`InCandidates`)."""
    pairs = _pairs(word)
    found = Q()
    for column, text, how in pairs:
        found |= _lookup(column, text, how)
    short = [text for _column, text, how in pairs if how == CONTAINS and len(text) == 2]
    # Two kanji (年金, 税務) are selective: narrow by the bigram index. Two other characters
    # (id, a2) are scanned: a bigram of latin letters is in too many rows to narrow.
    if connection.vendor == "postgresql" and short and all(has_kanji(t) for t in short):
        # Bigram and other lookups in separate arms of a UNION: in one OR the trigram
        # matches (lossy, so rechecked) would make every row recompute the bigrams.
        bigrams, others = Q(), Q()
        for column, text, how in pairs:
            if how == CONTAINS and len(text) == 2:
                bigrams |= Q(HasBigram(column, text))
            else:
                others |= _lookup(column, text, how)
        candidates = FAQ.objects.filter(bigrams).order_by().values("pk")
        if others:
            candidates = candidates.union(FAQ.objects.filter(others).order_by().values("pk"))
        # Each arm is exact (bigram containment of a two-character word is the substring; the
        # trigram arm is rechecked in its own scan): the rows need no second test, which would
        # read (detoast) the answer of every candidate again.
        return Q(InCandidates(candidates))
    return found


def _in_question(word: str) -> Q:
    """The word in the question, to rank each row found. A word of the question's words is
    looked up once, as the set of entries that have it (``id IN (subquery)``: a hashed subplan
    read through the word index on Postgres), not computed for each of the thousands of rows
    a short reading finds; the rest (few rows found) for each row."""
    found = Q()
    for column, text, how in _pairs(word):
        if not column.startswith("question_"):
            continue
        if column in WORD_COLUMNS:
            found |= Q(pk__in=FAQ.objects.filter(_lookup(column, text, how)).values("pk"))
        else:
            found |= _lookup(column, text, how)
    return found


def matching(queryset: QuerySet[FAQ], words: list[str]) -> QuerySet[FAQ]:
    """FAQs containing every word (as written or read), annotated with ``rank``, best first."""
    if not words:
        return queryset
    rank: Combinable = Value(0, output_field=IntegerField())
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
    # The search columns are for the WHERE only: not carried through the sort of every row
    # found (half the table for ぜい), nor fetched.
    queryset = queryset.defer(*TEXT_COLUMNS, *READING_COLUMNS, *WORD_COLUMNS)
    return queryset.annotate(rank=rank).order_by("-rank", "-view_count", "number")


def _ranges(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` matching ``words`` in its normalised form, else in its reading; for a
    short reading (ぜい), the words whose reading starts with it (税金, not 課税)."""
    ranges: list[tuple[int, int]] = []
    short = tuple(word for word in words if is_short_reading(word))
    if short:
        ranges += [(begin, end) for form, begin, end in word_spans(text) if form.startswith(short)]
        words = [word for word in words if word not in short]
    norm, spans = normalize_with_spans(text)
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
    out: list[str] = []
    cursor = 0
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
    rank: Combinable = Value(0, output_field=IntegerField())
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
