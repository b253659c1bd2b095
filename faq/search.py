"""FAQ search on the normalised columns, question matches first, with safe highlighting.

Every word of the query must appear in the question or the answer. A word found in the
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
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from faq import richtext
from faq.models import FAQ
from faq.normalize import keywords, normalize, normalize_with_spans, terms

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


def _found(word: str) -> Q:
    """The word in the question or the answer. A two-character word on Postgres is first
    narrowed by the bigram indexes in a subquery (there the index condition is exact and not
    evaluated again per row), then confirmed with ``contains``."""
    found = Q(question_norm__contains=word) | Q(answer_norm__contains=word)
    if len(word) == 2 and connection.vendor == "postgresql":
        candidates = FAQ.objects.filter(
            Q(HasBigram("question_norm", word)) | Q(HasBigram("answer_norm", word))
        ).values("pk")
        found &= Q(pk__in=candidates)
    return found


def matching(queryset: QuerySet[FAQ], words: list[str]) -> QuerySet[FAQ]:
    """FAQs containing every word, annotated with ``rank`` and ordered by it."""
    if not words:
        return queryset
    rank = Value(0, output_field=IntegerField())
    for word in words:
        found = _found(word)
        if NUMBER.match(word):  # "faq-0017" (normalised) finds FAQ-0017 itself
            found |= Q(number=word.upper())
        queryset = queryset.filter(found)
        rank = rank + Case(
            When(question_norm__contains=word, then=Value(2)),
            When(number=word.upper(), then=Value(3)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return queryset.annotate(rank=rank).order_by("-rank", "-view_count", "number")


def highlight(text: str | None, words: list[str]) -> SafeString:
    """``text`` escaped, with every normalised match of ``words`` wrapped in ``<mark>``."""
    text = text or ""
    if not words:
        return escape(text)
    norm, spans = normalize_with_spans(text)
    ranges: list[tuple[int, int]] = []
    for word in words:
        start = norm.find(word)
        while start != -1:
            end = start + len(word)
            ranges.append((spans[start][0], spans[end - 1][1]))
            start = norm.find(word, end)
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
    norm, spans = normalize_with_spans(plain)
    first = min((i for w in words if (i := norm.find(w)) != -1), default=-1)
    origin = spans[first][0] if first != -1 else 0
    start = max(0, origin - width // 3)
    excerpt = plain[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(plain) else ""
    return mark_safe(f"{prefix}{highlight(excerpt, words)}{suffix}")  # noqa: S308


def suggest(raw: str | None, *, limit: int = 5) -> list[FAQ]:
    """A few FAQs for the inquiry form: by the words of what is typed so far."""
    words = keywords((raw or "")[:MAX_QUERY_LENGTH], limit=MAX_TERMS)
    if not words:
        return []
    qs = FAQ.objects.published().only("number", "question")
    # Typed sentences rarely appear verbatim; match any word, best first.
    any_word = Q()
    rank = Value(0, output_field=IntegerField())
    for word in words:
        any_word |= Q(question_norm__contains=word) | Q(answer_norm__contains=word)
        rank = rank + Case(
            When(question_norm__contains=word, then=Value(2)),
            When(answer_norm__contains=word, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return list(qs.filter(any_word).annotate(rank=rank).order_by("-rank", "number")[:limit])


__all__ = ["Search", "highlight", "matching", "normalize", "parse", "snippet", "suggest"]
