"""What an approved later date covers: the target systems an approval may name, the entries
it would cover with their open flags (the approve page), and each approval's flags marked
approved now (an organisation's page).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from accounts import permissions
from actionplan.models import PlanEntry, TargetSystem
from orgs.models import Organization
from review import rules
from review.models import ApprovedException, DelayFlag, Rule


def approval_systems(organization: Organization, tasks):
    """The target systems an approval of one of ``tasks`` may name (the organisation's
    systems with entries of a per-system task), or None when no task is per system."""
    per_system = tasks.filter(per_system=True)
    if not per_system.exists():
        return None
    return (
        TargetSystem.objects.filter(
            entries__organization=organization, entries__task__in=per_system.values("pk")
        )
        .distinct()
        .order_by("order", "name")
    )


@dataclass
class Covered:
    """One entry an approval covers, with its open flags as (label, approvable, approved)."""

    entry: PlanEntry
    flags: list[tuple[str, bool, bool]]
    approved_until: dt.date | None


def approval_coverage(
    user, organization: Organization, tasks, *, task_id=None, system_id=None, on: dt.date
) -> list[Covered]:
    """The entries an approval of ``task_id`` (``system_id``: one system, else all) would
    cover, or of every task in ``tasks`` when none is chosen, each with its open flags and
    the later date approved now. Three queries."""
    chosen = PlanEntry.objects.filter(organization=organization, task__in=tasks.values("pk"))
    if task_id is not None:
        chosen = chosen.filter(task_id=task_id)
        if system_id is not None:
            chosen = chosen.filter(system_id=system_id)
    entries = list(
        chosen.select_related("task__work_item", "system").order_by(
            "task__work_item__order", "task__order", "system__order", "system__name"
        )
    )
    flags: dict[int, list] = defaultdict(list)
    labels = dict(Rule.choices)
    for entry_id, rule, approved in (
        permissions.visible(
            user,
            DelayFlag.objects.open().filter(entry__in=[e.pk for e in entries]),
        )
        .order_by("entry_id", "rule")
        .values_list("entry_id", "rule", "approved")
    ):
        flags[entry_id].append((str(labels[rule]), rule in rules.APPROVABLE, approved))
    approvals = {
        (org, task, system): until
        for org, task, system, until in ApprovedException.objects.filter(
            organization=organization, task_id__in={e.task_id for e in entries}
        ).values_list("organization_id", "task_id", "system_id", "approved_until")
    }
    return [
        Covered(
            entry,
            flags.get(entry.pk, []),
            rules.approved_for(approvals, organization.pk, entry.task_id, entry.system_id),
        )
        for entry in entries
    ]


def approval_scopes(approvals, flags) -> list[dict]:
    """Each approval with what it covers: the system (or all systems of a per-system task)
    and the open flags of the organisation it marks approved now (no query)."""

    keyed = {(a.organization_id, a.task_id, a.system_id): a.approved_until for a in approvals}
    counts: dict[tuple, int] = defaultdict(int)
    for flag in flags:
        if not flag.approved:
            continue
        entry = flag.entry
        # The approval that covers the flag's entry: its system's, else the task's.
        system = (
            entry.system_id
            if (flag.organization_id, entry.task_id, entry.system_id) in keyed
            else None
        )
        counts[(entry.task_id, system)] += 1
    return [
        {
            "approval": approval,
            "all_systems": approval.system_id is None and approval.task.per_system,
            "approved_flags": counts.get((approval.task_id, approval.system_id), 0),
        }
        for approval in approvals
    ]
