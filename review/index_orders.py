"""The flat late list in the orders no cell of a rollup holds — days late (most or fewest
first) and first seen — a page at a time, without sorting every open flag.

Each order ends in the flag's copy of its organisation's code and its id, and is an index
order of the open flags (:class:`review.models.DelayFlag`'s partial indexes), or of each of
two kinds of them: today's days late are ``today − since`` for a growing flag and the stored
count for a fixed one (:func:`review.selectors.days_late`), so no column holds that order,
but growing flags by ``since_ordinal`` (the earliest since is the most days) and fixed ones
by ``days_late`` each do. The flags of a page at offset O are among the first O + size of
each kind in its index order: those are read off the indexes with their sort keys (one query
a kind), merged and sliced. Past the middle of the list the walks start from its other
end (every column reversed: a backward scan of the same index), so a page costs the
distance to the nearer end: page 1 and the last page at 1.34M open flags in milliseconds,
where sorting every flag for them took 0.45–0.8 s (issue 17). A page in the middle of a
million flags still walks half a million index entries.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Q

from actionplan.models import Programme
from review import by_organization
from review.filters import SORTS
from review.models.flags import FIXED, GROWING
from review.selectors import Scope

# Each order: the kinds of flag whose index orders merge into it, with that index order.
KINDS: dict[str, tuple[tuple[Q, tuple[str, ...]], ...]] = {
    "days": (
        (Q(**GROWING), ("since_ordinal", "organization_code", "pk")),
        (Q(**FIXED), ("-days_late", "organization_code", "pk")),
    ),
    "-days": (
        (Q(**GROWING), ("-since_ordinal", "organization_code", "pk")),
        (Q(**FIXED), ("days_late", "organization_code", "pk")),
    ),
    "first_seen": ((Q(), ("first_seen", "organization_code", "pk")),),
}


def serves(data: Mapping, *, first=None) -> bool:
    """Whether the (filtered) flag list is in one of these orders, with no 担当 first."""
    return first is None and (data.get("sort") or "") in KINDS


def flag_page(
    user, programme: Programme, scope: Scope, data: Mapping, flags, number, *, per_page
) -> Page:
    """A page of the ids of ``flags`` (the late list's filtered open flags, annotated with
    ``days``) in the order ``data["sort"]``: the count from the rollup where its cells
    answer the filters, then one query a kind of flag for the page."""
    if by_organization.serves(data) and not data.get("follow_up"):
        total = by_organization.flag_total(user, programme, scope, data)
    else:  # a filter on the flags' own values: count them
        total = flags.count()
    sort = data["sort"]
    # Paginator only counts and slices it (its protocol asks for indexing and iteration too).
    ordered = cast(Any, _IndexOrdered(flags.order_by(), total, SORTS[sort], KINDS[sort]))
    return Paginator(ordered, per_page).get_page(number)


def reverse(order: Sequence[str]) -> tuple[str, ...]:
    """Every column of an ordering the other way round."""
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)


class _IndexOrdered(by_organization.SlicedIds):
    """The flags in ``order``, which merges the index orders of ``kinds``."""

    def __init__(self, flags, total: int, order, kinds):
        self.flags, self.total, self.order, self.kinds = flags, total, tuple(order), kinds

    def ids(self, start: int, stop: int) -> list[int]:
        if start <= self.total - stop:
            return self._walk(start, stop, backwards=False)
        # Nearer the end: the same window counted from there, in the reversed order.
        ids = self._walk(self.total - stop, self.total - start, backwards=True)
        return ids[::-1]

    def _walk(self, start: int, stop: int, *, backwards: bool) -> list[int]:
        """Flags ``start:stop`` of the order (of the reversed order when ``backwards``): the
        first ``stop`` of each kind, read off its index with the list's sort keys, merged."""

        def way(order):
            return reverse(order) if backwards else tuple(order)

        columns = [name.lstrip("-") for name in self.order]
        firsts = [
            self.flags.filter(kind).order_by(*way(order)).values_list(*columns)[:stop]
            for kind, order in self.kinds
        ]
        merged = heapq.merge(*firsts, key=self._key, reverse=backwards)
        pk = columns.index("pk")
        return [row[pk] for row in itertools.islice(merged, start, stop)]

    def _key(self, row: tuple) -> tuple:
        """A row's sort key in the order, ascending (a descending column is a number)."""
        return tuple(
            -value if name.startswith("-") else value
            for name, value in zip(self.order, row, strict=True)
        )
