"""The figures of a day, for the meeting report and the open data.

Figures for today come from the rollup; figures for a past day are rebuilt from the plan's
history (``PlanEntry.history.as_of``), judged with the same pure rules as of that day, with the
approvals and follow-ups as they stood then — so any past date reproduces that date's report.
Here too the cells add up to lines, per work item or prefecture (:func:`lines`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone

from actionplan import rules as plan_rules
from actionplan import selectors as plan_selectors
from actionplan.models import Milestone, PlanEntry, Programme, Status, Task
from orgs.models import Organization, OrganizationKind
from review import by_organization, orgrollups, rollups, rules
from review.models import ApprovedException, FollowUp, OrganizationRollup
from review.selectors import LateOrganization, Scope, follow_up_state, prefectures, work_items

# The order the report's and the open data's columns list the statuses in.
STATUS_ORDER = (Status.DONE, Status.NOT_APPLICABLE, Status.IN_PROGRESS, Status.NOT_STARTED)


@dataclass
class Figures:
    on: dt.date
    status: dict  # (work item, prefecture, status) -> (entries, weight)
    rule: dict  # (work item, prefecture, rule) -> (flags, significant, approved)
    late: list[LateOrganization]


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _in_scope(scope: Scope, work_item: int, prefecture: int) -> bool:
    if scope.prefecture_id is not None and prefecture != scope.prefecture_id:
        return False
    return scope.work_item_ids is None or work_item in scope.work_item_ids


def figures(
    programme: Programme,
    on: dt.date,
    scope: Scope,
    progress: Callable[[int], None] | None = None,
    *,
    from_history: bool = False,
    with_late: bool = True,
) -> Figures:
    """The figures of ``on``: today's from the rollup, a past day's (or, for checking,
    today's with ``from_history``) rebuilt from the history. ``with_late=False``: today's
    cells only (the open-data CSV has no organisation in it)."""
    if on >= timezone.localdate() and not from_history:
        status, rule = rollups.stored_cells(programme)
        late = _late_now(programme, scope, on) if with_late else []
    else:
        status, rule, late = _from_history(programme, on, scope, progress)
    status = {k: v for k, v in status.items() if _in_scope(scope, k[0], k[1])}
    rule = {k: v for k, v in rule.items() if _in_scope(scope, k[0], k[1])}
    return Figures(on, status, rule, late)


def _late_now(programme: Programme, scope: Scope, on: dt.date) -> list[LateOrganization]:
    """Organisations with an open 要フォローアップ flag in ``scope``, from the per-organisation
    rollup (two queries: the grouped cells, their organisations with the follow-up state)."""
    sums = (
        OrganizationRollup.objects.filter(programme=programme, flags__gt=0)
        .filter(scope.q())
        .values("organization_id")
        .annotate(**orgrollups.sums(), d=orgrollups.worst(on))
    )
    # The sums are named by orgrollups.sums(): a queryset of plain dicts to the type checker.
    per_org = cast("QuerySet[Any, dict[str, Any]]", sums)
    rows = list(per_org.filter(sum_significant__gt=0).order_by())
    organizations = Organization.objects.select_related("prefecture").annotate(
        follow_up=follow_up_state(programme, "pk")
    )
    orgs = organizations.in_bulk([row["organization_id"] for row in rows])
    late = [
        LateOrganization(
            orgs[row["organization_id"]],
            row["sum_flags"],
            row["sum_significant"],
            row["sum_approved"],
            row["d"] or 0,
            by_organization.rule_codes(row, significant=True),
            orgs[row["organization_id"]].follow_up,
        )
        for row in rows
    ]
    return sorted(late, key=lambda item: item.organization.code)


def _from_history(programme, on, scope, progress):
    """Rebuild the figures of ``on`` from the history, judging each entry as of that day."""
    end = _end_of(on)
    tasks = {
        task.pk: task
        for task in Task.objects.filter(work_item__programme=programme).only(
            "pk", "weight", "work_item_id"
        )
    }
    milestones = plan_selectors.milestone_rules(
        Milestone.objects.filter(task__work_item__programme=programme)
    )
    organizations = {
        org.pk: org
        for org in Organization.objects.exclude(kind=OrganizationKind.MINISTRY).select_related(
            "prefecture"
        )
    }
    approved = {
        (row.organization_id, row.task_id, row.system_id): row.approved_until
        for row in ApprovedException.history.as_of(end)
    }
    follow_ups: dict[int, str] = {}
    for row in sorted(
        FollowUp.history.as_of(end).filter(programme=programme), key=lambda r: r.created_at
    ):
        follow_ups[row.organization_id] = row.state
    entries = PlanEntry.history.as_of(end).filter(task_id__in=list(tasks))
    total = entries.count() if progress else 0
    status: dict = defaultdict(lambda: [0, Decimal(0)])
    rule_cells: dict = defaultdict(lambda: [0, 0, 0])
    late: dict[int, LateOrganization] = {}
    fields = (
        "organization_id",
        "task_id",
        "system_id",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "status",
        "retired_on",
    )
    for done, row in enumerate(entries.values_list(*fields).iterator(chunk_size=5000), 1):
        org_id, task_id, system_id, ps, pe, as_, ae, st, retired_on = row
        org, task = organizations.get(org_id), tasks[task_id]
        if org is None or (retired_on is not None and retired_on <= on):
            continue  # a retired target system's entries are out of that day's figures
        prefecture = org.prefecture_id or org.pk
        cell = status[(task.work_item_id, prefecture, st)]
        cell[0] += 1
        cell[1] += task.weight
        milestone = plan_rules.choose_milestone(
            milestones[task_id], org.kind, org.municipality_class
        )
        values = plan_rules.EntryValues(ps, pe, as_, ae, st)
        flags = rules.judge(
            values,
            milestone,
            on,
            programme.plan_deadline,
            programme.significant_delay_days,
            rules.approved_for(approved, org_id, task_id, system_id),
        )
        for flag in flags:
            counts = rule_cells[(task.work_item_id, prefecture, flag.rule)]
            counts[0] += 1
            counts[1] += rules.needs_follow_up(flag.significant, flag.approved)
            counts[2] += bool(flag.approved)
        if flags and _in_scope(scope, task.work_item_id, prefecture):
            _add_late(late, org, flags, follow_ups.get(org_id))
        if progress and done % 20_000 == 0:
            progress(int(done * 90 / max(total, 1)))
    late_list = sorted(
        (item for item in late.values() if item.significant), key=lambda i: i.organization.code
    )
    return (
        {k: (n, w) for k, (n, w) in status.items()},
        {k: tuple(v) for k, v in rule_cells.items() if v[0]},
        late_list,
    )


def _add_late(late: dict, org, flags: list[rules.Flag], follow_up: str | None) -> None:
    item = late.setdefault(org.pk, LateOrganization(org, follow_up=follow_up))
    for flag in flags:
        item.flags += 1
        if flag.approved:
            item.approved += 1
        elif flag.significant:
            item.significant += 1
            item.rules.add(flag.rule)
        item.worst = max(item.worst, flag.days_late)


# --- Aggregation of cells into lines -----------------------------------------------------------


def lines(figs: Figures, by: int, labels: dict[int, str]) -> list[rollups.Line[int]]:
    """Lines per work item (``by=0``) or prefecture (``by=1``) from the cells."""
    found: dict[int, rollups.Line[int]] = {
        key: rollups.Line(key, label) for key, label in labels.items()
    }
    for key, (n, weight) in figs.status.items():
        line = found.get(key[by])
        if line is None:
            continue
        line.entries += n
        line.weight += weight
        line.by_status[key[2]] = line.by_status.get(key[2], 0) + n
        if key[2] in rollups.FINISHED:
            line.finished += n
            line.finished_weight += weight
    for key, (n, significant, approved) in figs.rule.items():
        line = found.get(key[by])
        if line is None:
            continue
        line.by_rule[key[2]] = line.by_rule.get(key[2], 0) + n
        line.significant += significant
        line.approved += approved
    return [line for line in found.values() if line.entries]


def significant_by_prefecture(figs: Figures) -> dict[int, int]:
    """団体 with an open 要フォローアップ flag per prefecture, from the late list (no query)."""
    counts: dict[int, int] = defaultdict(int)
    for item in figs.late:
        if item.significant:
            org = item.organization
            counts[org.prefecture_id or org.pk] += 1
    return counts


def labels_for(programme: Programme, scope: Scope) -> tuple[dict[int, str], dict[int, str]]:
    return (
        {item.pk: str(item) for item in work_items(programme, scope)},
        {pref.pk: pref.name for pref in prefectures(scope)},
    )
