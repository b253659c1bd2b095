"""Writes of delay detection: judging entries, keeping the rollup current, the nightly scan.

The judgement of an entry is :func:`review.rules.judge`; here we feed it the entry, its
applicable milestone (``actionplan.selectors.milestone_rules`` + ``actionplan.rules.
choose_milestone``, the same choice as the plan page), the programme's deadline and threshold
and any approved later date, then store the difference: flags opened, changed or resolved,
the entry's contribution to the rollup (as a delta against :class:`EntryState`), and
``PlanEntry.next_check_on`` (:func:`review.rules.next_look`) so the nightly job finds it
again exactly when its judgement can change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts import audit
from actionplan import rules as plan_rules
from actionplan import selectors as plan_selectors
from actionplan.models import Milestone, PlanEntry
from pmo import bulk, history
from review import events, orgrollups, rules
from review.models import ApprovedException, DelayFlag, EntryState, RuleRollup, StatusRollup

# Entries whose judgement only an edit can change are looked at again "never".
NEVER = dt.date.max
BATCH = 1000


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


class _Deltas:
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
            (state.programme_id, state.work_item_id, organization_id),
            state.prefecture_id,
            state.status,
            sign,
        )

    def flag(self, programme_id: int, prefecture: int, flag, sign: int) -> None:
        key = (programme_id, flag.work_item_id, prefecture, flag.rule)
        cell = self.rule[key]
        cell[0] += sign
        cell[1] += sign * bool(flag.significant and not flag.approved)
        cell[2] += sign * bool(flag.approved)
        self.organizations.flag(programme_id, prefecture, flag, sign)

    def apply(self) -> None:
        """One upsert per batch of cells (a cell's row is created on first use and its
        counts incremented in the same statement, so concurrent writers add up)."""
        status = [
            [p, w, r, s, count, weight]
            for (p, w, r, s), (count, weight) in self.status.items()
            if count or weight
        ]
        rule = [[p, w, r, s, *counts] for (p, w, r, s), counts in self.rule.items() if any(counts)]
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
    they are the plain rows of :func:`_load` (:class:`Row`, which carry those values).
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
            approved_for(approved, entry.organization_id, entry.task_id, entry.system_id),
        )
    return found


def approved_for(approved: dict, organization_id: int, task_id: int, system_id: int | None):
    """The later date that covers one entry: its system's approval, else the task's."""
    if system_id is not None and (found := approved.get((organization_id, task_id, system_id))):
        return found
    return approved.get((organization_id, task_id, None))


def judge_one(entry, inputs: Inputs, on: dt.date) -> list[rules.Flag]:
    return rules.judge(
        entry, inputs.milestone, on, inputs.plan_deadline, inputs.threshold, inputs.approved_until
    )


# What judging reads of an entry, its task, programme and organisation: plain values (a
# model instance with select_related cost ~8 instances and their init signals an entry).
ROW_FIELDS = {
    "pk": "pk",
    "organization_id": "organization_id",
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
    """One entry as :func:`_load` reads it (the values of :data:`ROW_FIELDS`, in order)."""

    pk: int
    organization_id: int
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

# What a batch reads of an entry's last contribution to the rollup (:class:`EntryState`).
STATE_FIELDS = ("entry_id", "programme_id", "work_item_id", "prefecture_id", "status", "weight")


class StateRow(NamedTuple):
    entry_id: int
    programme_id: int
    work_item_id: int
    prefecture_id: int
    status: str
    weight: Decimal


def _load(entry_ids: Iterable[int]) -> list[Row]:
    """The batch's entries as plain rows, locked (in id order) until the batch commits: a
    save or a retirement of one of them waits for the batch, and the batch reads them as
    committed (so a retirement is never overwritten by a judgement made before it). No-op
    on SQLite."""
    rows = (
        PlanEntry.objects.filter(pk__in=list(entry_ids))
        .select_for_update(no_key=True, of=("self",))
        .order_by("pk")
        .values_list(*ROW_FIELDS.values())
    )
    return [Row._make(row) for row in rows]


def judge_entries(entry_ids: Iterable[int], on: dt.date | None = None) -> Result:
    """Re-judge these entries on ``on`` (default today) and store the difference.

    A fixed number of queries per batch of :data:`BATCH` entries; safe to run again (a
    second run finds nothing to change). Inside a caller's transaction (a save, an import,
    publishing a programme) everything commits together anyway, so the rollup is updated
    once at the end; outside one (the nightly job) each batch commits with its own share of
    the rollup, keeping locks short.
    """
    on = on or today()
    ids = list(entry_ids)
    result = Result()
    shared = _Deltas() if transaction.get_connection().in_atomic_block else None
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            deltas = shared if shared is not None else _Deltas()
            result.add(_judge_batch(ids[start : start + BATCH], on, deltas))
            if shared is None:
                deltas.apply()
    if shared is not None:
        shared.apply()
    return result


def _judge_batch(ids: list[int], on: dt.date, deltas: _Deltas) -> Result:
    entries = _load(ids)
    if not entries:
        return Result()
    inputs = inputs_for(entries)
    open_flags: dict[int, dict[str, StoredFlag]] = defaultdict(dict)
    # By entry only (its index); resolved ones are skipped here: a filter on resolved_at
    # invites the planner to walk every open flag in the country.
    for row in DelayFlag.objects.filter(entry_id__in=ids).values_list(*StoredFlag.__slots__):
        if row[_RESOLVED_AT] is None:
            flag = StoredFlag(*row)
            open_flags[flag.entry_id][flag.rule] = flag
    states = {
        row[0]: StateRow._make(row)
        for row in EntryState.objects.filter(entry_id__in=ids).values_list(*STATE_FIELDS)
    }
    result = Result(judged=len(entries))
    created: list[NewFlag] = []
    changed: list[StoredFlag] = []
    new_states: list[StateRow] = []
    next_checks: dict[dt.date, list[int]] = defaultdict(list)
    gone: list[int] = []
    for entry in entries:
        given = inputs[entry.pk]
        programme_id = entry.programme_id
        prefecture = entry.prefecture_id or entry.organization_id  # as prefecture_id()
        retired = is_retired(entry, on)
        judged_now = [] if retired else judge_one(entry, given, on)
        wanted = {flag.rule: flag for flag in judged_now}
        existing = open_flags.get(entry.pk, {})
        for rule, flag in existing.items():
            if rule not in wanted:
                deltas.flag(programme_id, prefecture, flag, -1)
                flag.resolved_at = on
                changed.append(flag)
                result.resolved += 1
        for rule, judged in wanted.items():
            stored = existing.get(rule)
            if stored is None:
                raised = NewFlag(
                    entry.pk, entry.organization_id, entry.work_item_id, prefecture, rule, on
                )
                _copy(judged, raised, on)
                deltas.flag(programme_id, prefecture, raised, 1)
                created.append(raised)
                result.raised += 1
            elif _differs(judged, stored, on):
                deltas.flag(programme_id, prefecture, stored, -1)
                _copy(judged, stored, on)
                deltas.flag(programme_id, prefecture, stored, 1)
                changed.append(stored)
        if retired:  # out of the figures: its open flags resolved above, its counts here
            if (old := states.get(entry.pk)) is not None:
                deltas.state(old, -1, entry.organization_id)
                gone.append(entry.pk)
            if entry.next_check_on != NEVER:
                next_checks[NEVER].append(entry.pk)
            continue
        state = StateRow(
            entry.pk, programme_id, entry.work_item_id, prefecture, entry.status, entry.weight
        )
        old = states.get(entry.pk)
        if old is None or _state_key(old) != _state_key(state):
            deltas.state(old, -1, entry.organization_id)
            deltas.state(state, 1, entry.organization_id)
            new_states.append(state)
        look = rules.next_look(
            entry,
            given.milestone,
            on,
            given.plan_deadline,
            given.threshold,
            given.approved_until,
            now=rules.signature(judged_now),
        )
        look = look or NEVER
        if entry.next_check_on != look:
            next_checks[look].append(entry.pk)
    if changed:
        _update_flags(changed, on)
    if created:
        rows = [[getattr(f, c) for c in FLAG_COLUMNS] for f in created]
        bulk.insert(DelayFlag, FLAG_COLUMNS, rows)
    if new_states:
        bulk.insert(
            EntryState,
            STATE_COLUMNS,
            [[getattr(state, c) for c in STATE_COLUMNS] for state in new_states],
            conflict=("entry_id",),
            update=STATE_COLUMNS[1:],
        )
    if gone:
        EntryState.objects.filter(entry_id__in=gone).delete()
    if next_checks:
        bulk.set_where(PlanEntry, "next_check_on", next_checks)
    return result


class NewFlag:
    """A flag raised in this batch, as :func:`pmo.bulk.insert` writes it (a plain object: a
    ``DelayFlag`` instance costs its init signals and field set-up for nothing here)."""

    __slots__ = (
        "approved",
        "days_late",
        "entry_id",
        "first_seen",
        "last_seen",
        "organization_id",
        "prefecture_id",
        "rule",
        "significant",
        "significant_since",
        "since",
        "since_ordinal",
        "work_item_id",
    )

    def __init__(self, entry_id, organization_id, work_item_id, prefecture_id, rule, on):
        self.entry_id = entry_id
        self.organization_id = organization_id
        self.work_item_id = work_item_id
        self.prefecture_id = prefecture_id
        self.rule = rule
        self.first_seen = on
        self.last_seen = on
        self.significant = False  # read by _copy before it sets them
        self.significant_since = None


class StoredFlag:
    """An open flag as judging reads and changes it (plain values, not a model instance)."""

    __slots__ = (
        "approved",
        "days_late",
        "entry_id",
        "last_seen",
        "organization_id",
        "pk",
        "resolved_at",
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

    def __init__(self, *values):
        for name, value in zip(self.__slots__, values, strict=True):
            setattr(self, name, value)


_RESOLVED_AT = StoredFlag.__slots__.index("resolved_at")


def is_retired(entry, on: dt.date) -> bool:
    """Out of the figures on ``on``: its target system was retired by then."""
    return entry.retired_on is not None and entry.retired_on <= on


def _update_flags(changed: list[StoredFlag], on: dt.date) -> None:
    """Resolved flags in one UPDATE (only ``resolved_at`` changes: after an import or the
    first night after publishing that is most of them), the others with :func:`pmo.bulk.
    update` (``bulk_update`` spent more time building expressions than the database did)."""
    resolved = [flag.pk for flag in changed if flag.resolved_at is not None]
    if resolved:
        DelayFlag.objects.filter(pk__in=resolved).update(resolved_at=on)
    others = [flag for flag in changed if flag.resolved_at is None]
    if others:
        bulk.update(
            DelayFlag,
            CHANGED_COLUMNS,
            [[flag.pk, *(getattr(flag, column) for column in CHANGED_COLUMNS)] for flag in others],
        )


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
STATE_COLUMNS = ("entry_id", "programme_id", "work_item_id", "prefecture_id", "status", "weight")


def _state_key(state: EntryState | StateRow) -> tuple:
    return (
        state.programme_id,
        state.work_item_id,
        state.prefecture_id,
        state.status,
        Decimal(state.weight),
    )


def _differs(judged: rules.Flag, flag: StoredFlag, on: dt.date) -> bool:
    return (
        judged.significant != flag.significant
        or judged.approved != flag.approved
        or judged.since != flag.since
        or (judged.since is None and judged.days_late != flag.days_late)
    )


def _copy(judged: rules.Flag, flag, on: dt.date) -> None:
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


def entries_changed(entry_ids: Iterable[int], on: dt.date | None = None) -> Result:
    """Call after writing entries on a path that skips signals (bulk import, bulk_update):
    re-judges them and brings the rollup up to date."""
    return judge_entries(entry_ids, on)


def entry_deleted(entry: PlanEntry) -> None:
    """Take a deleted entry's contribution out of the rollup (called before the delete)."""
    state = EntryState.objects.filter(entry_id=entry.pk).first()
    if state is None:
        return
    deltas = _Deltas()
    deltas.state(state, -1, entry.organization_id)
    for flag in DelayFlag.objects.filter(entry_id=entry.pk, resolved_at=None):
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
    from review import notifications

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


# --- Approvals, follow-ups and the check flow ---------------------------------------------------


class Invalid(Exception):
    """Refused input: ``errors`` maps a form field to a Japanese message; nothing is written."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _may_follow_up(user, work_item_id: int) -> bool:
    """The write-scope check of the one door, repeated here for every caller (views already
    offer and accept only these work items; a script or a shell must not get round it)."""
    from accounts import permissions

    return permissions.work_items(user, permissions.FOLLOW_UP).filter(pk=work_item_id).exists()


def covered_entries(organization, task, system=None):
    """The entries an approval for ``task`` (and ``system``) covers: the task's entry, or for
    a per-system task the named system's entry, or all its systems' when none is named."""
    entries = PlanEntry.objects.filter(organization=organization, task=task)
    if system is not None:
        entries = entries.filter(system=system)
    return entries


def approve(
    user,
    organization,
    task,
    approved_until: dt.date | None,
    reason: str,
    note: str = "",
    system=None,
    request=None,
):
    """A ministry approves a later date for the organisation's task (for a per-system task,
    for one of its target systems or, with ``system`` None, all of them). The covered
    entries are judged again: every lateness flag of theirs (start and end overdue, plan
    after the milestone, missed milestone) is *approved* up to that date, reported apart."""
    from review.models import Reason

    errors = {}
    if not _may_follow_up(user, task.work_item_id):
        errors["task"] = gettext("このタスクの期日延長は承認できません（担当外の作業項目です）。")
    elif system is not None and not task.per_system:
        errors["system"] = gettext(
            "このタスクは対象システムごとの計画ではありません。対象システムは空欄にしてください。"
        )
    elif system is not None and not covered_entries(organization, task, system).exists():
        errors["system"] = gettext(
            "この団体のこのタスクには、選んだ対象システムの計画がありません。"
        )
    if reason not in Reason.values:
        errors["reason"] = gettext("理由を選んでください。")
    if approved_until is None:
        errors["approved_until"] = gettext("承認する期日を入力してください。")
    if reason == Reason.OTHER and not note.strip():
        errors["note"] = gettext("理由が「その他」のときは補足を入力してください。")
    if errors or approved_until is None:
        raise Invalid(errors)
    with transaction.atomic():
        exception, _ = ApprovedException.objects.update_or_create(
            organization=organization,
            task=task,
            system=system,
            defaults={
                "approved_until": approved_until,
                "reason": reason,
                "note": note.strip(),
                "approved_by": user,
                "approved_by_organization": user.organization,
                "acknowledged_at": None,  # a new date for the organisation to read
                "acknowledged_by": None,
            },
        )
        judge_entries(
            list(covered_entries(organization, task, system).values_list("pk", flat=True))
        )
        events.record(
            events.Kind.APPROVAL,
            organization=organization,
            programme=task.work_item.programme,
            actor=user,
            message=(
                gettext_noop(
                    "%(who)sが期日の延長を承認しました（%(organization)s: %(task)s（%(system)s）、"
                    "%(until)s まで）"
                )
                if system
                else gettext_noop(
                    "%(who)sが期日の延長を承認しました"
                    "（%(organization)s: %(task)s、%(until)s まで）"
                )
            ),
            params={
                "who": events.who(user),
                "organization": organization.full_name,
                "task": f"{task.work_item.code}. {task.name}",
                "system": system.name if system else "",
                "until": f"{approved_until:%Y/%m/%d}",
            },
            body=exception.note,
            url=reverse("review:organization", args=[organization.code]),
            recipients=events.organization_side(organization),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            target=exception,
            detail=f"期日延長を承認 {task}"
            + (f"（{system.name}）" if system else "")
            + f" {approved_until} {reason}",
        )
    return exception


def acknowledge_approval(user, approval) -> bool:
    """The organisation has read the approved later date (確認しました): it leaves its TOP.
    False when someone acknowledged it first (one conditional UPDATE)."""
    return bool(
        ApprovedException.objects.filter(pk=approval.pk, acknowledged_at=None).update(
            acknowledged_at=timezone.now(), acknowledged_by=user
        )
    )


def open_follow_up(
    user, organization, programme, *, cause, actions, due_on, work_item=None, request=None
):
    from review.models import FollowUp

    if work_item is not None and not _may_follow_up(user, work_item.pk):
        raise Invalid(
            {"work_item": gettext("担当外の作業項目にはフォローアップを起票できません。")}
        )
    follow_up = FollowUp(
        organization=organization,
        programme=programme,
        work_item=work_item,
        cause=cause,
        actions=actions.strip(),
        due_on=due_on,
        opened_by=user,
        opened_by_organization=user.organization,
    )
    with transaction.atomic():
        history.changed_by(follow_up, user)
        follow_up.save()
        events.record(
            events.Kind.FOLLOW_UP_OPENED,
            organization=organization,
            programme=programme,
            actor=user,
            message=(
                gettext_noop(
                    "%(who)sがフォローアップを起票しました：%(organization)s（%(work_item)s）、"
                    "対応期限 %(due)s"
                )
                if work_item is not None
                else gettext_noop(
                    "%(who)sがフォローアップを起票しました：%(organization)s、対応期限 %(due)s"
                )
            ),
            params={
                "who": events.who(user),
                "organization": organization.full_name,
                "work_item": f"{work_item.code}. {work_item.name}" if work_item else "",
                "due": f"{due_on:%Y/%m/%d}",
            },
            body=follow_up.actions,
            url=reverse("review:follow_up", args=[follow_up.pk]),
            recipients=events.organization_side(organization),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            target=follow_up,
            detail="フォローアップを起票",
        )
    return follow_up


def _follow_up_event(user, follow_up, note, *, organization_side: bool, close: bool) -> None:
    """The other side hears of the note: the answer goes to whoever opened the follow-up,
    the reviewing side's note or closing goes to the organisation."""
    from review.models import FollowUp

    organization = follow_up.organization
    if organization_side:
        kind = events.Kind.ANSWERED
        message = gettext_noop(
            "%(who)sがフォローアップに回答しました（%(organization)s、%(cause)s）"
        )
        recipients = events.reviewing_side(
            follow_up.opened_by_organization_id, follow_up.opened_by_id
        )
    else:
        kind, message = (
            (
                events.Kind.CLOSED,
                gettext_noop(
                    "%(who)sがフォローアップを完了にしました（%(organization)s、%(cause)s）"
                ),
            )
            if close and follow_up.state == FollowUp.State.CLOSED
            else (
                events.Kind.NOTE_ADDED,
                gettext_noop(
                    "%(who)sがフォローアップに記録を追加しました（%(organization)s、%(cause)s）"
                ),
            )
        )
        recipients = events.organization_side(organization)
    events.record(
        kind,
        organization=organization,
        programme=follow_up.programme,
        actor=user,
        message=message,
        params={
            "who": events.who(user),
            "organization": organization.full_name,
            "cause": events.phrase(FollowUp.Cause(follow_up.cause).label),
        },
        body=note.body,
        url=reverse("review:follow_up", args=[follow_up.pk]),
        recipients=recipients,
    )


def add_note(
    user, follow_up, body: str, *, organization_side: bool, close: bool = False, request=None
):
    """A note in the thread. The organisation's answer marks it 回答あり; the reviewing
    side may close it (完了)."""
    from review.models import FollowUp, FollowUpNote

    body = body.strip()
    if not body:
        raise Invalid({"body": gettext("内容を入力してください。")})
    with transaction.atomic():
        note = FollowUpNote.objects.create(
            follow_up=follow_up, author=user, author_organization=user.organization, body=body
        )
        if organization_side:
            follow_up.state = FollowUp.State.ANSWERED
        elif close:
            follow_up.state = FollowUp.State.CLOSED
        else:
            follow_up.state = FollowUp.State.OPEN
        history.changed_by(follow_up, user)
        follow_up.save()
        _follow_up_event(user, follow_up, note, organization_side=organization_side, close=close)
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=follow_up.organization,
            target=follow_up,
            detail="フォローアップに記録を追加",
        )
    return note


def route_check(user, organization, programme, ministries, comment: str = "", *, request=None):
    """The coordinator checks the plan first and routes it to the responsible ministries."""
    from review.models import MinistryReview, PlanCheck

    if not ministries:
        raise Invalid({"ministries": gettext("確認を依頼する府省庁を選んでください。")})
    with transaction.atomic():
        check, _ = PlanCheck.objects.select_for_update().get_or_create(
            organization=organization, programme=programme
        )
        check.state = PlanCheck.State.ROUTED
        check.coordinator_comment = comment.strip()
        check.checked_by = user
        check.checked_at = timezone.now()
        check.save()
        for ministry in ministries:
            MinistryReview.objects.get_or_create(plan_check=check, ministry=ministry)
        # Routed again (after a 要修正, say): those ministries check it again.
        MinistryReview.objects.filter(
            plan_check=check, ministry__in=ministries, verdict=MinistryReview.Verdict.NEEDS_FIX
        ).update(verdict=MinistryReview.Verdict.PENDING)
        events.record(
            events.Kind.ROUTED,
            organization=organization,
            programme=programme,
            actor=user,
            message=gettext_noop("%(who)sから計画の確認依頼があります：%(organization)s"),
            params={"who": events.who(user), "organization": organization.full_name},
            body=check.coordinator_comment,
            url=reverse("review:check", args=[organization.code]),
            recipients=events.reviewers_of(ministry.pk for ministry in ministries),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            detail="計画を確認し府省庁に依頼",
        )
    return check


def report_revised(user, organization, programme, comment: str = "") -> int:
    """The organisation has revised its plan after a 要修正 and asks for it to be checked
    again: those ministries' verdicts go back to 未確認 (their comments stay in the history),
    the check is with the ministries again, and their reviewers are told. Returns how many
    verdicts were reopened; none to reopen is refused."""
    from review.models import MinistryReview, PlanCheck

    with transaction.atomic():
        check = (
            PlanCheck.objects.select_for_update()
            .filter(organization=organization, programme=programme)
            .first()
        )
        reviews = list(
            MinistryReview.objects.filter(
                plan_check=check, verdict=MinistryReview.Verdict.NEEDS_FIX
            ).select_related("ministry")
            if check
            else []
        )
        if check is None or not reviews:
            raise Invalid({"check": gettext("要修正の確認結果はありません。")})
        for review in reviews:
            review.verdict = MinistryReview.Verdict.PENDING
            history.changed_by(review, user)
            review.save(update_fields=["verdict"])
        check.state = PlanCheck.State.ROUTED
        history.changed_by(check, user)
        check.save(update_fields=["state"])
        events.record(
            events.Kind.REVISED,
            organization=organization,
            programme=programme,
            actor=user,
            message=gettext_noop("%(organization)sが計画を修正しました。再確認をお願いします"),
            params={"organization": organization.full_name},
            body=comment.strip(),
            url=reverse("review:check", args=[organization.code]),
            recipients=events.reviewers_of(review.ministry_id for review in reviews),
        )
    return len(reviews)


def review_check(user, review, verdict: str, comment: str = "", *, request=None):
    """A ministry marks the plan 適切 or 要修正 (with a comment the organisation sees)."""
    from review.models import MinistryReview, PlanCheck

    if verdict not in (MinistryReview.Verdict.APPROPRIATE, MinistryReview.Verdict.NEEDS_FIX):
        raise Invalid({"verdict": gettext("適切か要修正かを選んでください。")})
    if verdict == MinistryReview.Verdict.NEEDS_FIX and not comment.strip():
        raise Invalid(
            {"comment": gettext("要修正のときは、団体に伝える修正内容を入力してください。")}
        )
    with transaction.atomic():
        review.verdict = verdict
        review.comment = comment.strip()
        review.reviewed_by = user
        review.reviewed_at = timezone.now()
        review.save()
        check = review.plan_check
        pending = check.reviews.filter(verdict=MinistryReview.Verdict.PENDING).exists()
        check.state = PlanCheck.State.ROUTED if pending else PlanCheck.State.DONE
        check.save(update_fields=["state"])
        organization = check.organization
        events.record(
            events.Kind.VERDICT,
            organization=organization,
            programme=check.programme,
            actor=user,
            message=gettext_noop("%(who)sが計画を確認しました：%(verdict)s（%(organization)s）"),
            params={
                "who": events.who(user),
                "verdict": events.phrase(MinistryReview.Verdict(review.verdict).label),
                "organization": organization.full_name,
            },
            body=review.comment,
            url=reverse("review:organization", args=[organization.code]),
            recipients=events.organization_side(organization),
        )
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=user,
            organization=organization,
            detail=f"計画の妥当性 {verdict}",
        )
    return review
