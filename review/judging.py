"""Judging entries: the delay rules applied to the stored entries, the difference written.

The judgement of an entry is :func:`review.rules.judge`; here we feed it the entry, its
applicable milestone (``actionplan.selectors.milestone_rules`` + ``actionplan.rules.
choose_milestone``, the same choice as the plan page), the programme's deadline and threshold
and any approved later date, then store the difference (:mod:`review.flag_rows` writes it):
flags opened, changed or resolved, the entry's contribution to the rollup (as a delta against
:class:`EntryState`), and ``PlanEntry.next_check_on`` (:func:`review.rules.next_look`) so the
nightly job (:func:`scan`) finds it again exactly when its judgement can change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from actionplan import rules as plan_rules
from actionplan import selectors as plan_selectors
from actionplan.models import Milestone, PlanEntry
from pmo import workers
from review import begun, flag_rows, notifications, rules
from review.flag_rows import Row
from review.models import ApprovedException, DelayFlag, EntryState

# Entries whose judgement only an edit can change are looked at again "never".
NEVER = dt.date.max
BATCH = 1000
# Batches the nightly job judges at once on Postgres, each on its own connection: one is
# judged in Python while the other waits on the database (about half of each batch's time).
WORKERS = 2
VERDICTS_KEPT = 20_000  # judgements a run remembers (:func:`verdict`)


@dataclass
class Result:
    judged: int = 0
    raised: int = 0
    resolved: int = 0
    queued: int = 0

    def add(self, other: Result) -> None:
        self.judged += other.judged
        self.raised += other.raised
        self.resolved += other.resolved
        self.queued += other.queued

    def line(self) -> str:
        return gettext(
            "判定 %(judged)s 件、遅延の検出 %(raised)s 件、解消 %(resolved)s 件、通知 %(queued)s 通"
        ) % {
            "judged": self.judged,
            "raised": self.raised,
            "resolved": self.resolved,
            "queued": self.queued,
        }


def today() -> dt.date:
    return timezone.localdate()


def prefecture_id(organization) -> int:
    """The prefecture an organisation is counted under (a prefecture: itself)."""
    return organization.prefecture_id or organization.pk


@dataclass(frozen=True)
class Inputs:
    """Everything :func:`review.rules.judge` needs besides the entry's own values."""

    milestone: dt.date | None
    plan_deadline: dt.date | None
    threshold: int
    approved_until: dt.date | None


def inputs_for(entries: list, organizations: dict | None = None) -> dict[int, Inputs]:
    """The judgement inputs of each entry (two queries for any number of entries).

    ``entries`` carry ``task.work_item.programme`` and ``organization`` (select_related), or
    ``organizations`` maps organisation ids to organisations (for historical records), or
    they are the plain rows of :func:`review.flag_rows.load_entries` (:class:`Row`, which
    carry those values).
    """
    task_ids = {entry.task_id for entry in entries}
    org_ids = {entry.organization_id for entry in entries}
    milestones = plan_selectors.milestone_rules(Milestone.objects.filter(task_id__in=task_ids))
    # (organisation, task, system or None): an approval naming the entry's system first,
    # else the one for the whole task (every system of a per-system task).
    approved = {
        (org, task, system): until
        for org, task, system, until in ApprovedException.objects.filter(
            task_id__in=task_ids, organization_id__in=org_ids
        ).values_list("organization_id", "task_id", "system_id", "approved_until")
    }
    chosen: dict[tuple, dt.date | None] = {}  # one choice per task and kind of organisation
    found = {}
    for entry in entries:
        if isinstance(entry, Row):
            kind, municipality_class = entry.kind, entry.municipality_class
            plan_deadline, threshold = entry.plan_deadline, entry.threshold
        else:
            org = organizations[entry.organization_id] if organizations else entry.organization
            programme = entry.task.work_item.programme
            kind, municipality_class = org.kind, org.municipality_class
            plan_deadline, threshold = programme.plan_deadline, programme.significant_delay_days
        key = (entry.task_id, kind, municipality_class)
        if key not in chosen:
            chosen[key] = plan_rules.choose_milestone(
                milestones[entry.task_id], kind, municipality_class
            )
        found[entry.pk if organizations is None else entry.id] = Inputs(
            chosen[key],
            plan_deadline,
            threshold,
            rules.approved_for(approved, entry.organization_id, entry.task_id, entry.system_id),
        )
    return found


def judge_one(entry, inputs: Inputs, on: dt.date) -> list[rules.Flag]:
    return rules.judge(
        entry, inputs.milestone, on, inputs.plan_deadline, inputs.threshold, inputs.approved_until
    )


def judge_entries(
    entry_ids: Iterable[int], on: dt.date | None = None, *, fresh: bool = False
) -> Result:
    """Re-judge these entries on ``on`` (default today) and store the difference.

    A fixed number of queries per batch of :data:`BATCH` entries; safe to run again (a
    second run finds nothing to change). Inside a caller's transaction (a save, an import,
    publishing a programme) everything commits together anyway, so the rollup is updated
    once at the end; outside one (the nightly job) each batch commits with its own share of
    the rollup, keeping locks short, and without waiting for the disk (:func:`_recomputable`),
    :data:`WORKERS` batches at once on Postgres (:func:`_commit_batches`).

    ``fresh``: the entries were created in the caller's transaction and never judged
    (publishing): they have no flags or state to read, and nobody else can see them to lock.
    """
    on = on or today()
    ids = list(entry_ids)
    batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
    verdicts: dict[tuple, Verdict] = {}  # one judgement per distinct entry and inputs
    result = Result()
    if not transaction.get_connection().in_atomic_block:
        for found in _commit_batches(batches, on, verdicts, fresh=fresh):
            result.add(found)
        return result
    shared = flag_rows.Deltas()
    for batch in batches:
        with transaction.atomic():
            result.add(_judge_batch(batch, on, shared, verdicts, fresh=fresh))
    shared.apply()
    return result


def _commit_batches(batches, on: dt.date, verdicts: dict[tuple, Verdict], *, fresh: bool):
    """Each batch judged and committed with its share of the rollup; on Postgres on
    :data:`WORKERS` threads (their own connections), sharing ``verdicts`` (a race on it costs
    a judgement made twice at most). Safe because the batches hold disjoint entries and every
    batch locks the rollup cells it shares with others in one order (table by table, each
    table's cells sorted: :meth:`review.flag_rows.Deltas.apply`), so one waits for the other
    at worst, never both for each other."""

    def commit(batch: list[int]) -> Result:
        with transaction.atomic():
            _recomputable()
            deltas = flag_rows.Deltas()
            result = _judge_batch(batch, on, deltas, verdicts, fresh=fresh)
            deltas.apply()
        return result

    if len(batches) > 1 and connection.vendor == "postgresql":
        return workers.each_in_threads(batches, commit, workers=WORKERS)
    return [commit(batch) for batch in batches]


def _recomputable() -> None:
    """A batch that commits on its own commits asynchronously (Postgres): it does not wait
    for its WAL to reach the disk, 55–90 ms a commit here, a second and a half of a
    realistic national night's twenty batches. What it wrote can be computed again: were the
    server to crash before the flush, its entries keep their old ``next_check_on``, are still
    due, and the next run judges them again (a flag in a digest already queued might then be
    reported twice). A caller's transaction (a save, an import) keeps its durable commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class Verdict(NamedTuple):
    """An entry's judgement on a day and the next day it can change (:data:`NEVER`: only an
    edit can change it)."""

    flags: dict[str, rules.Flag]  # by rule
    look: dt.date


def verdict(entry: Row, given: Inputs, on: dt.date, known: dict[tuple, Verdict]) -> Verdict:
    """:func:`review.rules.judge` and :func:`review.rules.next_look` for the entry, once per
    distinct dates, status and inputs (``known`` keeps them): the entries of a publish all
    start alike, and a programme's entries share a few milestones."""
    key = (
        entry.status,
        entry.planned_start,
        entry.planned_end,
        entry.actual_start,
        entry.actual_end,
        given,
    )
    found = known.get(key)
    if found is None:
        if len(known) >= VERDICTS_KEPT:  # bounded memory over a national run of varied dates
            known.clear()
        judged = judge_one(entry, given, on)
        look = rules.next_look(
            entry,
            given.milestone,
            on,
            given.plan_deadline,
            given.threshold,
            given.approved_until,
            now=rules.signature(judged),
        )
        found = known[key] = Verdict({flag.rule: flag for flag in judged}, look or NEVER)
    return found


def _judge_batch(
    ids: list[int],
    on: dt.date,
    deltas: flag_rows.Deltas,
    known: dict[tuple, Verdict],
    *,
    fresh: bool = False,
) -> Result:
    entries = flag_rows.load_entries(ids, lock=not fresh)
    if not entries:
        return Result()
    inputs = inputs_for(entries)
    open_flags = {} if fresh else flag_rows.open_flags(ids)
    states = {} if fresh else flag_rows.states(ids)
    result = Result(judged=len(entries))
    writes = flag_rows.Writes(fresh=fresh)
    for entry in entries:
        given = inputs[entry.pk]
        programme_id = entry.programme_id
        prefecture = entry.prefecture_id or entry.organization_id  # as prefecture_id()
        retired = is_retired(entry, on)
        held = None if retired else verdict(entry, given, on, known)
        wanted = held.flags if held else {}
        existing = open_flags.get(entry.pk, {})
        for rule, flag in existing.items():
            if rule not in wanted:
                deltas.flag(programme_id, prefecture, flag, -1)
                flag.resolved_at = on
                writes.changed.append(flag)
                result.resolved += 1
        for rule, judged in wanted.items():
            stored = existing.get(rule)
            if stored is None:
                raised = flag_rows.NewFlag(entry, prefecture, rule, on)
                flag_rows.copy_judged(judged, raised, on)
                deltas.flag(programme_id, prefecture, raised, 1)
                writes.created.append(raised)
                result.raised += 1
            elif flag_rows.differs(judged, stored, on):
                deltas.flag(programme_id, prefecture, stored, -1)
                flag_rows.copy_judged(judged, stored, on)
                deltas.flag(programme_id, prefecture, stored, 1)
                writes.changed.append(stored)
        if retired:  # out of the figures: its open flags resolved above, its counts here
            if (old := states.get(entry.pk)) is not None:
                deltas.state(old, -1, entry.organization_id)
                writes.gone.append(entry.pk)
            if entry.next_check_on != NEVER:
                writes.next_checks[NEVER].append(entry.pk)
            continue
        state = flag_rows.StateRow(
            entry.pk,
            programme_id,
            entry.work_item_id,
            prefecture,
            entry.status,
            entry.weight,
            begun.entered(entry),
            begun.started(entry),
        )
        old = states.get(entry.pk)
        if old is None or flag_rows.state_key(old) != flag_rows.state_key(state):
            deltas.state(old, -1, entry.organization_id)
            deltas.state(state, 1, entry.organization_id)
            writes.states.append(state)
        assert held is not None  # not retired
        if entry.next_check_on != held.look:
            writes.next_checks[held.look].append(entry.pk)
    writes.save(on)
    return result


def is_retired(entry, on: dt.date) -> bool:
    """Out of the figures on ``on``: its target system was retired by then."""
    return entry.retired_on is not None and entry.retired_on <= on


def entries_changed(
    entry_ids: Iterable[int], on: dt.date | None = None, *, fresh: bool = False
) -> Result:
    """Call after writing entries on a path that skips signals (bulk import, bulk_update):
    re-judges them and brings the rollup up to date (``fresh``: see :func:`judge_entries`)."""
    return judge_entries(entry_ids, on, fresh=fresh)


def entry_deleted(entry: PlanEntry) -> None:
    """Take a deleted entry's contribution out of the rollup (called before the delete)."""
    state = EntryState.objects.filter(entry_id=entry.pk).first()
    if state is None:
        return
    deltas = flag_rows.Deltas()
    deltas.state(state, -1, entry.organization_id)
    for flag in DelayFlag.objects.open().filter(entry_id=entry.pk):
        deltas.flag(state.programme_id, state.prefecture_id, flag, -1)
    deltas.organizations.deleted_entries.add(entry.pk)  # its flags go with it
    deltas.apply()


def due_entries(on: dt.date):
    """Entries whose judgement can change by ``on`` (never-judged ones have no date)."""
    return PlanEntry.objects.filter(next_check_on__lte=on)


def scan(on: dt.date | None = None, *, send: bool = True) -> Result:
    """The nightly job: judge the entries that are due, then queue the day's digests.

    Its cost follows the number of due entries (an indexed range on ``next_check_on``), not
    the size of the programme. Running it twice on a day changes nothing the second time.
    """
    on = on or today()
    result = Result()
    # Two index range reads (due by date, never judged), not a walk over every entry.
    due = list(due_entries(on).values_list("pk", flat=True))
    due += PlanEntry.objects.filter(next_check_on=None).values_list("pk", flat=True)
    ids = sorted(due)
    result.add(judge_entries(ids, on))
    result.queued = notifications.queue_digests(on)
    if send and result.queued:
        notifications.send_soon()
    return result


def rejudge_all(on: dt.date | None = None) -> Result:
    """Judge every entry (after a change of milestones or thresholds)."""
    on = on or today()
    PlanEntry.objects.update(next_check_on=None)
    return scan(on)
