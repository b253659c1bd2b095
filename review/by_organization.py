"""Reads served by the per-organisation rollup (:class:`review.models.OrganizationRollup`):
the late list by organisation, a prefecture's organisations, who needs a follow-up. Each is a
fixed number of queries over at most organisations × work items rows, never the open flags
(1.34M of them at national scale).

The late list by organisation comes from here when its filters are ones a cell can answer
(:data:`SERVED`); a filter on a flag's own values (rule, days, approval, 年度 of its 期日)
groups the matching flags instead (:func:`review.selectors.late_organizations`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, Sum

from accounts import permissions
from accounts.permissions import VIEW
from actionplan.models import Programme
from orgs.models import Organization
from review import orgrollups, rules
from review.filters import NO_FOLLOW_UP, SORTS
from review.models import FollowUp, OrganizationRollup
from review.selectors import (
    GROUPED_SORTS,
    LateOrganization,
    OrganizationCounts,
    OrgLine,
    Scope,
    follow_up_state,
    latest_follow_ups,
)

# The late list's filters a cell answers (``by``, ``page`` and the programme are not filters).
SERVED = frozenset({"prefecture", "municipality_class", "work_item", "follow_up", "sort"})


def serves(data: Mapping) -> bool:
    """Whether the late list's cleaned filter ``data`` can be answered from the rollup."""
    return not any(value not in (None, "") for key, value in data.items() if key not in SERVED)


def cells(user, programme: Programme, scope: Scope):
    """The cells ``user`` may see in ``scope`` (the same door as the flags: organisation and,
    for a reviewer, work item)."""
    rows = OrganizationRollup.objects.filter(programme=programme).filter(scope.q())
    return permissions.visible(user, rows, VIEW)


def late_page(
    user,
    programme: Programme,
    scope: Scope,
    data: Mapping,
    number,
    *,
    on: dt.date,
    first=None,
    per_page: int = 50,
) -> Page:
    """The late list grouped by organisation, from the rollup. Four queries a page (count,
    the page, its organisations, their latest follow-ups) whatever the number of flags."""
    rows = _late_cells(user, programme, scope, data)
    grouped = (
        rows.values("organization_id")
        .annotate(**orgrollups.sums(), worst=orgrollups.worst(on))
        .order_by(
            *([first] if first is not None else []),  # a reviewer's 担当 first
            *GROUPED_SORTS.get(data.get("sort") or "", ("organization__code",)),
        )
    )
    page = Paginator(grouped, per_page).get_page(number)
    found = list(page.object_list)
    ids = [row["organization_id"] for row in found]
    organizations = Organization.objects.select_related("prefecture").in_bulk(ids)
    latest = latest_follow_ups(ids, programme)
    page.object_list = [
        LateOrganization(
            organizations[row["organization_id"]],
            row["sum_flags"],
            row["sum_significant"],
            row["sum_approved"],
            row["worst"] or 0,
            rule_codes(row),
            latest.get(row["organization_id"]),
        )
        for row in found
    ]
    return page


def flag_total(user, programme: Programme, scope: Scope, data: Mapping) -> int:
    """The open flags the late list's (served) filters keep, summed over their cells."""
    total = _late_cells(user, programme, scope, data).aggregate(n=Sum("flags"))["n"]
    return total or 0


def _late_cells(user, programme: Programme, scope: Scope, data: Mapping):
    """The cells with open flags that the late list's (served) filters keep."""
    rows = cells(user, programme, scope).filter(flags__gt=0)
    if data.get("prefecture") is not None:
        rows = rows.filter(prefecture=data["prefecture"])
    if data.get("municipality_class"):
        rows = rows.filter(organization__municipality_class=data["municipality_class"])
    if data.get("work_item") is not None:
        rows = rows.filter(work_item=data["work_item"])
    if state := data.get("follow_up"):
        if state == NO_FOLLOW_UP:  # as the flag list: no follow-up in any programme
            rows = rows.exclude(
                Exists(FollowUp.objects.filter(organization=OuterRef("organization")))
            )
        else:
            rows = rows.alias(latest=follow_up_state(programme)).filter(latest=state)
    return rows


# The flag list's orders that group flags the rollup counts: by organisation, by work item
# then organisation, by rule then organisation. A page of them lies within a few such
# segments, which the cells count: each is (the flags' group, as field values, or none;
# the organisation; its flags).
Segment = tuple[tuple[tuple[str, object], ...], int, int]


def _by_organization(cells, by: tuple[str, ...]) -> list[Segment]:
    rows = cells.values("organization_id").annotate(n=Sum("flags")).order_by(*by)
    return [((), org, n) for org, n in rows.values_list("organization_id", "n")]


def _by_work_item(cells) -> list[Segment]:
    rows = (
        cells.values("work_item_id", "organization_id")
        .annotate(n=Sum("flags"))
        .order_by("work_item__order", "work_item_id", "organization__code")
        .values_list("work_item_id", "organization_id", "n")
    )
    return [((("work_item_id", item),), org, n) for item, org, n in rows]


def _by_rule(cells) -> list[Segment]:
    columns = [orgrollups.RULE_COLUMNS[rule] for rule in rules.RULES]
    rows = (
        cells.values("organization_id", "organization__code")
        .annotate(**{column: Sum(column) for column in columns})
        .values_list("organization_id", "organization__code", *columns)
    )
    # Rule codes and JIS codes are ASCII letters and digits: Python's order is the database's.
    found = sorted(
        (rule, code, org, n)
        for org, code, *counts in rows
        for rule, n in zip(rules.RULES, counts, strict=True)
        if n
    )
    return [((("rule", rule),), org, n) for rule, _code, org, n in found]


SEGMENTS = {
    "": lambda cells: _by_organization(cells, ("organization__code",)),
    "org": lambda cells: _by_organization(cells, ("organization__code",)),
    "prefecture": lambda cells: _by_organization(
        cells, ("organization__prefecture__code", "organization__code")
    ),
    "work_item": _by_work_item,
    "rule": _by_rule,
}


class SlicedIds:
    """Flag ids that a paginator counts and slices as it does a list, without a COUNT or an
    OFFSET: the total is known beforehand, and :meth:`ids` reads a slice within it."""

    total: int

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, window: slice) -> list[int]:
        start, stop = window.start or 0, min(window.stop, self.total)
        return self.ids(start, stop) if start < stop else []

    def ids(self, start: int, stop: int) -> list[int]:
        raise NotImplementedError


class _FlagsBySegment(SlicedIds):
    """The open flags in an order that groups them by segments the rollup counts: the
    segments' counts (in that order) say which segments a slice falls in, so any page reads
    only their flags, and the count is a sum of cells."""

    def __init__(self, flags, segments: list[Segment], order: tuple[str, ...]):
        self.flags, self.segments, self.order = flags, segments, order
        self.total = sum(n for *_, n in segments)

    def ids(self, start: int, stop: int) -> list[int]:
        # The segments the slice falls in, their organisations by group (a page of small
        # segments is one group's organisations: one IN list, not an OR of fifty pairs).
        chosen: dict[tuple, list[int]] = defaultdict(list)
        seen, skip = 0, 0
        for group, org, n in self.segments:
            if seen + n > start and seen < stop:
                if not chosen:
                    skip = start - seen
                chosen[group].append(org)
            seen += n
            if seen >= stop:
                break
        if not chosen:
            return []
        where = reduce(or_, (Q(*group, organization_id__in=orgs) for group, orgs in chosen.items()))
        flags = self.flags.filter(where).order_by(*self.order)
        return list(flags.values_list("pk", flat=True)[skip : skip + stop - start])


def serves_flag_page(data: Mapping, *, first=None) -> bool:
    """Whether a page of the flag list can be found through the rollup (an order by
    segments it counts, filters a cell answers, no 担当-first ordering)."""
    return (
        first is None
        and (data.get("sort") or "") in SEGMENTS
        and serves(data)
        and not data.get("follow_up")
    )


def flag_page(user, programme: Programme, scope: Scope, data: Mapping, flags, number, *, per_page):
    """A page of the (filtered) flags' ids in an order by segments: two short queries on
    any page (the segments' counts, the page's flags among a few segments), where OFFSET
    read and sorted every open flag before the page."""
    sort = data.get("sort") or ""
    segments = SEGMENTS[sort](_late_cells(user, programme, scope, data))
    order = (*SORTS.get(sort, SORTS["org"]), "pk")
    # Paginator only counts and slices it (its protocol asks for indexing and iteration too).
    ordered = cast(Any, _FlagsBySegment(flags, segments, order))
    return Paginator(ordered, per_page).get_page(number)


def rule_codes(row: Mapping, *, significant: bool = False) -> set[str]:
    """The rules a grouped row has open flags of (or 要フォローアップ ones)."""
    columns = orgrollups.SIGNIFICANT_COLUMNS if significant else orgrollups.RULE_COLUMNS
    return {rule for rule in rules.RULES if row[f"sum_{columns[rule]}"]}


LINE_COUNTS = ("entries", "finished", "flags", "significant", "approved")


def prefecture_lines(
    user, programme: Programme, prefecture: Organization, scope: Scope
) -> list[OrgLine]:
    """Each visible organisation of the prefecture with its counts (three queries)."""
    organizations = permissions.visible(
        user, Organization.objects.in_prefecture(prefecture), VIEW
    ).select_related("prefecture")
    lines = {org.pk: OrgLine(org) for org in organizations.order_by("code")}
    rows = cells(user, programme, scope).filter(prefecture=prefecture)
    for org_id, entries, finished, flags, significant, approved in (
        rows.values("organization_id")
        .annotate(**{f"sum_{name}": Sum(name) for name in LINE_COUNTS})
        .values_list("organization_id", *(f"sum_{name}" for name in LINE_COUNTS))
        .order_by()
    ):
        if (line := lines.get(org_id)) is not None:
            line.entries, line.finished = entries, finished
            line.flags, line.significant, line.approved = flags, significant, approved
    for org_id, state in latest_follow_ups(list(lines), programme).items():
        lines[org_id].follow_up = state
    return list(lines.values())


def significant_organizations(programme: Programme, scope: Scope) -> OrganizationCounts:
    """Organisations with an open 要フォローアップ flag per work item, per prefecture and in
    all: one query over the cells that have one."""
    by_item: dict[int, set[int]] = defaultdict(set)
    by_pref: dict[int, set[int]] = defaultdict(set)
    everyone: set[int] = set()
    for org_id, pref_id, item_id in (
        OrganizationRollup.objects.filter(programme=programme, significant__gt=0)
        .filter(scope.q())
        .values_list("organization_id", "prefecture_id", "work_item_id")
    ):
        by_item[item_id].add(org_id)
        by_pref[pref_id].add(org_id)
        everyone.add(org_id)
    return OrganizationCounts(
        {key: len(ids) for key, ids in by_item.items()},
        {key: len(ids) for key, ids in by_pref.items()},
        len(everyone),
    )
