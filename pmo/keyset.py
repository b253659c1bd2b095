"""Keyset (seek) paging for long lists ordered newest first by ``(created_at, pk)``.

``OFFSET`` paging reads and throws away every row before the page (page 20,000 of the audit
trail read a million rows) and counts the whole list for its page total. A keyset page starts
from the last row the reader saw: ``WHERE (created_at, id) < (seen)`` walks an index on
``(created_at DESC, id DESC)`` and stops after one page, on any page. The list has no page
numbers then, only 最新 / 前へ / 次へ, each link keeping every filter of the address.

A cursor is ``<microseconds since the epoch>-<pk>`` of a row; a bad one is ignored (the first
page), never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def cursor_of(obj: Any, field: str = "created_at") -> str:
    moment = getattr(obj, field)
    delta = moment - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{obj.pk}"


def parse(value: str | None) -> tuple[dt.datetime, int] | None:
    """``(moment, pk)`` of a cursor, or None for a missing or malformed one."""
    if not value or len(value) > 40:
        return None
    micros, _, pk = value.partition("-")
    if not (micros.isdigit() and pk.isdigit()):
        return None
    try:
        return EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:
        return None


def _older(moment: dt.datetime, pk: int, field: str) -> Q:
    # The redundant ``<=`` lets the database seek the index on the first column; the OR alone
    # is not an index condition.
    return Q(**{f"{field}__lte": moment}) & (Q(**{f"{field}__lt": moment}) | Q(pk__lt=pk))


def _newer(moment: dt.datetime, pk: int, field: str) -> Q:
    return Q(**{f"{field}__gte": moment}) & (Q(**{f"{field}__gt": moment}) | Q(pk__gt=pk))


@dataclass
class Page:
    items: list[Any]
    newer: str | None  # the cursor for 前へ (rows newer than this page), None on the first
    older: str | None  # the cursor for 次へ, None on the last page

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def page(
    queryset: QuerySet,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
    field: str = "created_at",
) -> Page:
    """One page of ``queryset`` newest first: the rows older than ``after``, or the rows just
    newer than ``before`` (going back), or the newest. One query (``size + 1`` rows: the one
    past the page tells whether there is a next)."""
    newest_first = queryset.order_by(f"-{field}", "-pk")
    if (seen := parse(before)) is not None:
        rows = list(queryset.filter(_newer(*seen, field)).order_by(field, "pk")[: size + 1])
        if rows:  # else nothing is newer: the first page
            items = rows[:size][::-1]
            newer = cursor_of(items[0], field) if len(rows) > size else None
            return Page(items, newer, cursor_of(items[-1], field))
    seen = parse(after)
    if seen is not None:
        newest_first = newest_first.filter(_older(*seen, field))
    rows = list(newest_first[: size + 1])
    items = rows[:size]
    older = cursor_of(items[-1], field) if len(rows) > size else None
    newer = cursor_of(items[0], field) if seen is not None and items else None
    return Page(items, newer, older)


def iterate(queryset: QuerySet, *, batch: int = 2000, field: str = "created_at") -> Iterator[Any]:
    """Every row of ``queryset`` newest first, one short keyset query per ``batch`` rows:
    constant memory, no server-side cursor held open while a download streams."""
    ordered = queryset.order_by(f"-{field}", "-pk")
    seen = None
    while True:
        chunk = list((ordered.filter(_older(*seen, field)) if seen else ordered)[:batch])
        yield from chunk
        if len(chunk) < batch:
            return
        last = chunk[-1]
        seen = (getattr(last, field), last.pk)


def chunks(queryset: QuerySet, *, field: str, batch: int = 500) -> Iterator[list[Any]]:
    """``queryset`` in ascending order of a unique ``field`` (a code, a name), ``batch`` rows
    at a time: each chunk is one short query starting after the last value seen
    (``field > seen``), so nothing is held but the chunk and no cursor stays open."""
    ordered = queryset.order_by(field)
    seen = None
    while True:
        rest = ordered.filter(**{f"{field}__gt": seen}) if seen is not None else ordered
        chunk = list(rest[:batch])
        if chunk:
            yield chunk
        if len(chunk) < batch:
            return
        seen = getattr(chunk[-1], field)
