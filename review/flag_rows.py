"""The rows a judging batch reads and writes (for :mod:`review.judging`): its entries
(:func:`load_entries`), open flags read and changed as plain values, flags raised, the
entries' states (their last contribution to the rollup), each entry's next look, and the
rollup deltas, all in a fixed number of statements.

Plain values, not model instances: a ``DelayFlag`` or ``EntryState`` instance costs its init
signals and field set-up for nothing here, and a batch handles a thousand entries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from actionplan.models import PlanEntry
from pmo import bulk
from review import orgrollups, rules
from review.models import DelayFlag, EntryState, RuleRollup, StatusRollup

# What judging reads of an entry, its task, programme and organisation: plain values (a
# model instance with select_related cost ~8 instances and their init signals an entry).
ROW_FIELDS = {
    "pk": "pk",
    "organization_id": "organization_id",
    "organization_code": "organization__code",
    "task_id": "task_id",
    "system_id": "system_id",
    "planned_start": "planned_start",
    "planned_end": "planned_end",
    "actual_start": "actual_start",
    "actual_end": "actual_end",
    "status": "status",
    "next_check_on": "next_check_on",
    "retired_on": "retired_on",
    "weight": "task__weight",
    "work_item_id": "task__work_item_id",
    "programme_id": "task__work_item__programme_id",
    "plan_deadline": "task__work_item__programme__plan_deadline",
    "threshold": "task__work_item__programme__significant_delay_days",
    "kind": "organization__kind",
    "municipality_class": "organization__municipality_class",
    "prefecture_id": "organization__prefecture_id",
}


class Row(NamedTuple):
    """One entry as :func:`load_entries` reads it (the values of :data:`ROW_FIELDS`, in order)."""

    pk: int
    organization_id: int
    organization_code: str
    task_id: int
    system_id: int | None
    planned_start: dt.date | None
    planned_end: dt.date | None
    actual_start: dt.date | None
    actual_end: dt.date | None
    status: str
    next_check_on: dt.date | None
    retired_on: dt.date | None
    weight: Decimal
    work_item_id: int
    programme_id: int
    plan_deadline: dt.date | None
    threshold: int
    kind: str
    municipality_class: str
    prefecture_id: int | None


assert Row._fields == tuple(ROW_FIELDS)  # the lookups and the row agree


def load_entries(entry_ids: Iterable[int], *, lock: bool = True) -> list[Row]:
    """The batch's entries as plain rows, locked (in id order) until the batch commits: a
    save or a retirement of one of them waits for the batch, and the batch reads them as
    committed (so a retirement is never overwritten by a judgement made before it). No-op
    on SQLite. ``lock=False`` for rows nobody else can see yet (created in this
    transaction): a lock writes to every row it takes."""
    rows = PlanEntry.objects.filter(pk__any=list(entry_ids)).order_by("pk")
    if lock:
        rows = rows.select_for_update(no_key=True, of=("self",))
    return [Row._make(row) for row in rows.values_list(*ROW_FIELDS.values())]


class Deltas:
    """Changes to the rollup cells collected over a batch, applied in few statements."""

    def __init__(self) -> None:
        self.status: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
        self.rule: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.organizations = orgrollups.OrgDeltas()

    def state(self, state: EntryState | StateRow | None, sign: int, organization_id: int) -> None:
        if state is None:
            return
        key = (state.programme_id, state.work_item_id, state.prefecture_id, state.status)
        self.status[key][0] += sign
        self.status[key][1] += sign * state.weight
        self.organizations.entry(
            (state.programme_id, state.work_item_id, organization_id), state, sign
        )

    def flag(self, programme_id: int, prefecture: int, flag, sign: int) -> None:
        key = (programme_id, flag.work_item_id, prefecture, flag.rule)
        cell = self.rule[key]
        cell[0] += sign
        cell[1] += sign * rules.needs_follow_up(flag.significant, flag.approved)
        cell[2] += sign * bool(flag.approved)
        self.organizations.flag(programme_id, prefecture, flag, sign)

    def apply(self) -> None:
        """One upsert per batch of cells (a cell's row is created on first use and its
        counts incremented in the same statement, so concurrent writers add up). Each table's
        cells in key order, the tables always in this order: two writers sharing cells lock
        them in the same order, so one waits for the other, never both for each other."""
        status = [
            [p, w, r, s, count, weight]
            for (p, w, r, s), (count, weight) in sorted(self.status.items())
            if count or weight
        ]
        rule = [
            [p, w, r, s, *counts]
            for (p, w, r, s), counts in sorted(self.rule.items())
            if any(counts)
        ]
        cell = ("programme_id", "work_item_id", "prefecture_id")
        if status:
            bulk.insert(
                StatusRollup,
                (*cell, "status", "entries", "weight"),
                status,
                conflict=(*cell, "status"),
                add=("entries", "weight"),
            )
        if rule:
            bulk.insert(
                RuleRollup,
                (*cell, "rule", "flags", "significant", "approved"),
                rule,
                conflict=(*cell, "rule"),
                add=("flags", "significant", "approved"),
            )
        self.organizations.apply()
        if status or rule:  # the public CSV's cache is stale from the commit on
            orgrollups.figures_changed({row[0] for row in (*status, *rule)})
        self.status.clear()
        self.rule.clear()


# What a batch reads of an entry's last contribution to the rollup (:class:`EntryState`).


class StateRow(NamedTuple):
    entry_id: int
    programme_id: int
    work_item_id: int
    prefecture_id: int
    status: str
    weight: Decimal
    entered: bool  # :mod:`review.begun`
    started: bool


CHANGED_COLUMNS = (
    "days_late",
    "since",
    "since_ordinal",
    "significant",
    "significant_since",
    "approved",
    "last_seen",
)


FLAG_COLUMNS = (
    "entry_id",
    "organization_id",
    "organization_code",
    "work_item_id",
    "prefecture_id",
    "rule",
    "days_late",
    "since",
    "since_ordinal",
    "significant",
    "significant_since",
    "approved",
    "first_seen",
    "last_seen",
)
STATE_COLUMNS = StateRow._fields


class NewFlag:
    """A flag raised in this batch, as :func:`pmo.bulk.insert` writes it (a plain object: a
    ``DelayFlag`` instance costs its init signals and field set-up for nothing here)."""

    __slots__ = (
        "approved",
        "days_late",
        "entry_id",
        "first_seen",
        "last_seen",
        "organization_code",
        "organization_id",
        "prefecture_id",
        "rule",
        "significant",
        "significant_since",
        "since",
        "since_ordinal",
        "work_item_id",
    )
    approved: bool
    days_late: int
    entry_id: int
    first_seen: dt.date
    last_seen: dt.date
    organization_code: str
    organization_id: int
    prefecture_id: int
    rule: str
    significant: bool
    significant_since: dt.date | None
    since: dt.date | None
    since_ordinal: int | None
    work_item_id: int

    def __init__(self, entry, prefecture_id, rule, on):
        """Raised on ``on`` for ``entry`` (a :class:`Row`)."""
        self.entry_id = entry.pk
        self.organization_id = entry.organization_id
        self.organization_code = entry.organization_code
        self.work_item_id = entry.work_item_id
        self.prefecture_id = prefecture_id
        self.rule = rule
        self.first_seen = on
        self.last_seen = on
        self.significant = False  # read by copy_judged before it sets them
        self.significant_since = None


@dataclass(slots=True)
class StoredFlag:
    """An open flag as judging reads and changes it (plain values, not a model instance).
    Built from a row of :data:`STORED_FIELDS`, in that order (the generated ``__init__``
    assigns each field directly: a loop of ``setattr`` was 8 µs a flag, 0.19 s of a night
    that reads 22,000)."""

    approved: bool
    days_late: int
    entry_id: int
    last_seen: dt.date
    organization_id: int
    pk: int
    resolved_at: dt.date | None
    rule: str
    significant: bool
    significant_since: dt.date | None
    since: dt.date | None
    since_ordinal: int | None
    work_item_id: int


STORED_FIELDS = tuple(StoredFlag.__dataclass_fields__)


_RESOLVED_AT = STORED_FIELDS.index("resolved_at")


def open_flags(entry_ids: list[int]) -> dict[int, dict[str, StoredFlag]]:
    """The entries' open flags by entry and rule (one query)."""
    found: dict[int, dict[str, StoredFlag]] = defaultdict(dict)
    # By entry only (its index); resolved ones are skipped here: a filter on resolved_at
    # invites the planner to walk every open flag in the country. Unordered: the model's
    # ordering (by organisation code, a join) made Postgres walk every organisation's flags
    # and filter them by entry, a cost that grew with the table (240 ms a batch at 160k
    # entries, measured while publishing).
    flags = DelayFlag.objects.filter(entry_id__any=entry_ids).order_by()
    for row in flags.values_list(*STORED_FIELDS):
        if row[_RESOLVED_AT] is None:
            flag = StoredFlag(*row)
            found[flag.entry_id][flag.rule] = flag
    return found


def states(entry_ids: list[int]) -> dict[int, StateRow]:
    """The entries' last contributions to the rollup, by entry (one query)."""
    return {
        row[0]: StateRow._make(row)
        for row in EntryState.objects.filter(entry_id__any=entry_ids).values_list(*STATE_COLUMNS)
    }


def state_key(state: EntryState | StateRow) -> tuple:
    """What of a state the rollup counts (an entry whose key is unchanged moves no cell)."""
    return (
        state.programme_id,
        state.work_item_id,
        state.prefecture_id,
        state.status,
        Decimal(state.weight),
        state.entered,
        state.started,
    )


def differs(judged: rules.Flag, flag: StoredFlag, on: dt.date) -> bool:
    """Whether a flag judged again must be stored again (a growing flag's days are not
    stored each day: they are counted from ``since``)."""
    return (
        judged.significant != flag.significant
        or judged.approved != flag.approved
        or judged.since != flag.since
        or (judged.since is None and judged.days_late != flag.days_late)
    )


def copy_judged(judged: rules.Flag, flag: NewFlag | StoredFlag, on: dt.date) -> None:
    """The judgement's values onto a flag row, ``significant_since`` kept or set."""
    if judged.significant and not flag.significant:
        flag.significant_since = on
    elif not judged.significant:
        flag.significant_since = None
    flag.days_late = judged.days_late
    flag.since = judged.since
    flag.since_ordinal = judged.since.toordinal() if judged.since else None
    flag.significant = judged.significant
    flag.approved = judged.approved
    flag.last_seen = on


@dataclass
class Writes:
    """What one batch changes, collected while it judges and written by :meth:`save`."""

    created: list[NewFlag] = field(default_factory=list)
    changed: list[StoredFlag] = field(default_factory=list)
    states: list[StateRow] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)  # entries out of the figures: no state
    next_checks: dict[dt.date, list[int]] = field(default_factory=lambda: defaultdict(list))
    fresh: bool = False  # entries never judged (:func:`review.judging.judge_entries`)

    def save(self, on: dt.date) -> None:
        """At most one statement of each kind (more only past :mod:`pmo.bulk`'s limits)."""
        if self.changed:
            _update_flags(self.changed, on)
        if self.created:
            rows = [[getattr(f, c) for c in FLAG_COLUMNS] for f in self.created]
            bulk.insert(DelayFlag, FLAG_COLUMNS, rows)
        if self.states:
            rows = [[getattr(state, c) for c in STATE_COLUMNS] for state in self.states]
            if self.fresh:  # no state yet: a plain insert (a COPY on Postgres)
                bulk.insert(EntryState, STATE_COLUMNS, rows)
            else:
                bulk.insert(
                    EntryState,
                    STATE_COLUMNS,
                    rows,
                    conflict=("entry_id",),
                    update=STATE_COLUMNS[1:],
                )
        if self.gone:
            EntryState.objects.filter(entry_id__any=self.gone).delete()
        if self.next_checks:
            bulk.set_where(PlanEntry, "next_check_on", self.next_checks)


def _update_flags(changed: list[StoredFlag], on: dt.date) -> None:
    """Resolved flags in one UPDATE (only ``resolved_at`` changes: after an import or the
    first night after publishing that is most of them), the others with :func:`pmo.bulk.
    update` (``bulk_update`` spent more time building expressions than the database did)."""
    resolved = [flag.pk for flag in changed if flag.resolved_at is not None]
    if resolved:
        DelayFlag.objects.filter(pk__any=resolved).update(resolved_at=on)
    others = [flag for flag in changed if flag.resolved_at is None]
    if others:
        bulk.update(
            DelayFlag,
            CHANGED_COLUMNS,
            [[flag.pk, *(getattr(flag, column) for column in CHANGED_COLUMNS)] for flag in others],
        )
