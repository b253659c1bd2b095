"""The per-organisation rollup (:class:`review.models.OrganizationRollup`).

Written by :mod:`review.flag_rows` through :class:`OrgDeltas` in the transaction of every
judgement, like the status and rule rollups: counts as deltas in one upsert per batch. The
worst days late are not a sum: a cell that only gained flags (or whose changed flags got no
better) keeps the worse of its stored worst and theirs, in the same upsert; a cell that lost
the flag that may have been its worst reads it again from its open flags, in one UPDATE
after the upsert. The upsert locks those cells first, so a concurrent batch on the same
organisation waits for this one to commit and then reads its flags (each statement sees what
was committed before it began). :func:`rebuild` builds the table from scratch (``manage.py
rebuild_rollups``, the migration that created it).

Reads: :func:`worst` (today's worst days of grouped rows) and :func:`stored` (the cells, for
the tests to compare with the full recount of ``tests/review/oracle.py``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Count,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from actionplan.models import Programme, Status
from pmo import bulk
from review import rules
from review.models import DelayFlag, EntryState, OrganizationRollup

FINISHED = (Status.DONE, Status.NOT_APPLICABLE)
RULE_COLUMNS = {rule: rule for rule in rules.RULES}  # the field is named after its rule
SIGNIFICANT_COLUMNS = {rule: f"{rule}_significant" for rule in rules.RULES}
COUNTS = (
    "entries",
    "finished",
    "entered",  # begun in the senses of :mod:`review.begun`
    "started",
    "flags",
    "significant",
    "approved",
    *RULE_COLUMNS.values(),
    *SIGNIFICANT_COLUMNS.values(),
)
_INDEX = {name: i for i, name in enumerate(COUNTS)}
_ENTRIES, _FINISHED, _ENTERED, _STARTED, _FLAGS, _SIGNIFICANT, _APPROVED = range(7)
assert COUNTS[:7] == (
    "entries",
    "finished",
    "entered",
    "started",
    "flags",
    "significant",
    "approved",
)
KEY = ("programme_id", "work_item_id", "organization_id")


class OrgDeltas:
    """Changes to the per-organisation cells collected over a batch."""

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int, int], list[int]] = defaultdict(lambda: [0] * len(COUNTS))
        self.prefecture: dict[tuple[int, int, int], int] = {}
        self.flagged: set[tuple[int, int, int]] = set()  # cells whose flags changed
        # The worst (fixed days, earliest since) of the flags each cell gained and lost.
        self.gained: dict[tuple[int, int, int], list] = defaultdict(lambda: [None, None])
        self.lost: dict[tuple[int, int, int], list] = defaultdict(lambda: [None, None])
        self.deleted_entries: set[int] = set()  # flags about to go with their entry

    def entry(self, key: tuple[int, int, int], state, sign: int) -> None:
        """An entry's state (:class:`review.models.EntryState` or its row) in or out."""
        cell = self.cells[key]
        self.prefecture[key] = state.prefecture_id
        cell[_ENTRIES] += sign
        cell[_FINISHED] += sign * (state.status in FINISHED)
        cell[_ENTERED] += sign * state.entered
        cell[_STARTED] += sign * state.started

    def flag(self, programme_id: int, prefecture: int, flag, sign: int) -> None:
        key = (programme_id, flag.work_item_id, flag.organization_id)
        cell = self.cells[key]
        self.prefecture[key] = prefecture
        self.flagged.add(key)
        significant = rules.needs_follow_up(flag.significant, flag.approved)
        cell[_FLAGS] += sign
        cell[_SIGNIFICANT] += sign * significant
        cell[_APPROVED] += sign * bool(flag.approved)
        cell[_INDEX[RULE_COLUMNS[flag.rule]]] += sign
        cell[_INDEX[SIGNIFICANT_COLUMNS[flag.rule]]] += sign * significant
        worst = (self.gained if sign > 0 else self.lost)[key]
        if flag.since_ordinal is None:  # fixed days late
            worst[0] = _max(worst[0], flag.days_late)
        else:  # growing from since: the earliest is the worst
            worst[1] = _min(worst[1], flag.since_ordinal)

    def stale(self) -> set[tuple[int, int, int]]:
        """Cells whose worst must be read again: they lost a flag that may have been their
        worst, one worse than any they gained (a flag changed but no better is no loss)."""
        found = set()
        for key, (fixed, since) in self.lost.items():
            got_fixed, got_since = self.gained.get(key, (None, None))
            if (fixed is not None and (got_fixed is None or got_fixed < fixed)) or (
                since is not None and (got_since is None or got_since > since)
            ):
                found.add(key)
        return found

    def apply(self) -> None:
        """One upsert of the touched cells (in key order, so two writers lock them in the
        same order), keeping the worse of the stored worst and the gained flags', then the
        worst of the :meth:`stale` cells read again."""
        rows = [
            [*key, self.prefecture[key], *counts, *self.gained.get(key, (None, None))]
            for key, counts in sorted(self.cells.items())
            if any(counts) or key in self.flagged
        ]
        if rows:
            bulk.insert(
                OrganizationRollup,
                (*KEY, "prefecture_id", *COUNTS, "worst_days", "worst_since"),
                rows,
                conflict=KEY,
                update=("prefecture_id",),
                add=COUNTS,
                greatest=("worst_days",),
                least=("worst_since",),
            )
        if stale := self.stale():
            refresh_worst(stale, exclude_entries=self.deleted_entries)
        self.cells.clear()
        self.prefecture.clear()
        self.flagged.clear()
        self.gained.clear()
        self.lost.clear()
        self.deleted_entries.clear()


def refresh_worst(cells: Iterable[tuple[int, int, int]], *, exclude_entries=()) -> None:
    """Read the worst days of ``cells`` again from their open flags (each two index probes):
    per programme and 500 organisations, their cells' ids, then one UPDATE of exactly those
    cells. Never another one: the caller's upsert has locked these, and a cell it had not
    could be held by a concurrent batch waiting for one of ours (a deadlock)."""
    by_programme: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for programme_id, work_item_id, org_id in cells:
        by_programme[programme_id][org_id].add(work_item_id)
    open_flags = DelayFlag.objects.open().filter(
        organization_id=OuterRef("organization_id"),
        work_item_id=OuterRef("work_item_id"),
    )
    if exclude_entries:
        open_flags = open_flags.exclude(entry_id__in=list(exclude_entries))
    fixed = open_flags.filter(since_ordinal=None).order_by("-days_late").values("days_late")[:1]
    growing = (
        open_flags.filter(since_ordinal__isnull=False)
        .order_by("since_ordinal")
        .values("since_ordinal")[:1]
    )
    for programme_id, orgs in by_programme.items():
        org_ids = sorted(orgs)
        for start in range(0, len(org_ids), 500):
            chunk = org_ids[start : start + 500]
            items = {item for org in chunk for item in orgs[org]}
            ids = [
                pk
                for pk, item, org in OrganizationRollup.objects.filter(
                    programme_id=programme_id, organization_id__in=chunk, work_item_id__in=items
                ).values_list("pk", "work_item_id", "organization_id")
                if item in orgs[org]
            ]
            OrganizationRollup.objects.filter(pk__any=ids).update(
                worst_days=Subquery(fixed, output_field=IntegerField()),
                worst_since=Subquery(growing, output_field=IntegerField()),
            )


def rebuild(programme_ids: Iterable[int] | None = None) -> int:
    """Build the per-organisation rollup from scratch (every programme, or these) from the
    entries' counted states and the open flags; returns the number of cells written."""
    with transaction.atomic():
        count = build(OrganizationRollup, EntryState, DelayFlag, programme_ids)
    figures_changed(set(programme_ids) if programme_ids is not None else None)
    return count


def build(model, state_model, flag_model, programme_ids=None) -> int:
    """:func:`rebuild` on the given models (the migration passes its historical ones)."""
    rollup = model.objects.all()
    states = state_model.objects.all()
    flags = flag_model.objects.filter(resolved_at=None)
    if programme_ids is not None:
        ids = list(programme_ids)
        rollup = rollup.filter(programme_id__in=ids)
        states = states.filter(programme_id__in=ids)
        flags = flags.filter(work_item__programme_id__in=ids)
    rollup.delete()
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTS))
    prefectures: dict[tuple, int] = {}
    worst: dict[tuple, tuple] = {}
    for programme_id, item, org, pref, status, entered, started, n in (
        states.values_list(
            "programme_id",
            "work_item_id",
            "entry__organization_id",
            "prefecture_id",
            "status",
            "entered",
            "started",
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        key = (programme_id, item, org)
        prefectures[key] = pref
        cell = cells[key]
        cell[_ENTRIES] += n
        cell[_FINISHED] += n * (status in FINISHED)
        cell[_ENTERED] += n * entered
        cell[_STARTED] += n * started
    grouped = (
        flags.annotate(pref=Coalesce("organization__prefecture_id", "organization_id"))
        .values_list(
            "work_item__programme_id",
            "work_item_id",
            "organization_id",
            "pref",
            "rule",
            "significant",
            "approved",
        )
        .annotate(
            n=Count("pk"),
            fixed=Max("days_late", filter=Q(since_ordinal=None)),
            since=Min("since_ordinal"),
        )
        .order_by()
    )
    for programme_id, item, org, pref, rule, significant, approved, n, fixed, since in grouped:
        key = (programme_id, item, org)
        prefectures.setdefault(key, pref)
        cell = cells[key]
        needs = rules.needs_follow_up(significant, approved)
        cell[_FLAGS] += n
        cell[_SIGNIFICANT] += n * needs
        cell[_APPROVED] += n * bool(approved)
        cell[_INDEX[RULE_COLUMNS[rule]]] += n
        cell[_INDEX[SIGNIFICANT_COLUMNS[rule]]] += n * needs
        old_fixed, old_since = worst.get(key, (None, None))
        worst[key] = (_max(old_fixed, fixed), _min(old_since, since))
    rows = [
        [*key, prefectures[key], *counts, *worst.get(key, (None, None))]
        for key, counts in sorted(cells.items())
    ]
    bulk.insert(model, (*KEY, "prefecture_id", *COUNTS, "worst_days", "worst_since"), rows)
    return len(rows)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def worst(on: dt.date, prefix: str = ""):
    """Today's worst days late of grouped rows: the largest fixed count or today − the
    earliest since, 0 when there is no open flag."""
    return Greatest(
        Coalesce(Max(f"{prefix}worst_days"), Value(0)),
        Coalesce(Value(on.toordinal()) - Min(f"{prefix}worst_since"), Value(0)),
        output_field=IntegerField(),
    )


def sums(prefix: str = "") -> dict:
    """``.annotate(**sums())`` of grouped rows: every count summed, under its own name."""
    return {f"sum_{name}": Sum(f"{prefix}{name}") for name in COUNTS}


def stored(programme) -> dict[tuple[int, int], dict]:
    """{(work item, organisation): {column: value}} of the stored cells, empty ones left out."""
    columns = ("work_item_id", "organization_id", "prefecture_id", *COUNTS)
    found = {}
    for row in OrganizationRollup.objects.filter(programme=programme).values(
        *columns, "worst_days", "worst_since"
    ):
        if not any(row[name] for name in COUNTS):
            continue
        key = (row.pop("work_item_id"), row.pop("organization_id"))
        if not row["flags"]:  # no open flag: no worst (a stale value would be a bug)
            assert row["worst_days"] is None and row["worst_since"] is None, (key, row)
        found[key] = row
    return found


# --- The figures' version: what the public CSV is cached under ---------------------------------

VERSION_KEY = "review:figures:{}"


def figures_version(programme_id: int) -> int:
    """A number that changes whenever the programme's figures do (0 before any change)."""
    return cache.get(VERSION_KEY.format(programme_id), 0)  # a cache error reaches the caller


def figures_changed(programme_ids: set[int] | None) -> None:
    """After the commit: the cached figures of these programmes (or all) are stale."""

    def bump() -> None:
        ids = programme_ids
        if ids is None:
            ids = set(Programme.objects.values_list("pk", flat=True))
        for programme_id in ids:
            key = VERSION_KEY.format(programme_id)
            cache.add(key, 0, None)
            try:
                cache.incr(key)
            except ValueError:  # evicted between add and incr
                cache.set(key, 1, None)

    # robust: a cache that is down must not fail a save that has committed (the CSV's key
    # then keeps its version for at most its hour).
    transaction.on_commit(bump, robust=True)
