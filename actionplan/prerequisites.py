"""What a plan row waits for: each prerequisite task as the organisation stands on it, from
entries already read (:func:`prerequisites_of`), from the paged plan's per-task aggregate
(:class:`ShownPrerequisites`) or summed up in one query (:func:`summed`). For a task done per
target system after another (G 設計 → 製造 → テスト) it is the same system's entry; otherwise
every entry of the task combined (F waits for G テスト on every system). A retired system's
entries hold nothing up."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from django.db.models import Count, Max, Q
from django.utils.translation import gettext

from actionplan import rules
from actionplan.models import PlanEntry, Status
from actionplan.rows import entry_values
from orgs.models import Organization


def by_system(entries) -> dict[tuple[int, int], list[PlanEntry]]:
    grouped: dict[tuple[int, int], list[PlanEntry]] = defaultdict(list)
    for entry in entries:
        if entry.system_id:
            grouped[entry.task_id, entry.system_id].append(entry)
    return grouped


def by_task(entries) -> dict[int, list[PlanEntry]]:
    grouped: dict[int, list[PlanEntry]] = defaultdict(list)
    for entry in entries:
        grouped[entry.task_id].append(entry)
    return grouped


def prerequisites_of(
    entry,
    prerequisite_ids: list[int],
    by_task: dict[int, list],
    by_system: dict[tuple[int, int], list] | None = None,
) -> list[rules.Dependency]:
    """Each prerequisite task of ``entry`` from the organisation's entries of it: for a task
    done per target system after another per-system task (G 設計 → 製造 → テスト) the same
    system's entry, otherwise all of them (F waits for G テスト on every system).
    ``by_system`` (:func:`by_system` of the same entries) finds the same system's entry
    without reading every system's (a 5,000-row plan has 1,661 per task)."""
    found = []
    for task_id in prerequisite_ids:
        # A retired target system's entries no longer hold anything up.
        entries = [e for e in by_task.get(task_id, ()) if getattr(e, "retired_on", None) is None]
        if not entries:
            continue
        task = entries[0].task
        if entry.system_id and task.per_system:
            if by_system is not None:
                entries = by_system.get((task_id, entry.system_id), [])
            else:
                entries = [other for other in entries if other.system_id == entry.system_id]
            if not entries:
                continue
            name = gettext("%(task)s（%(system)s）") % {
                "task": task.name,
                "system": entries[0].system.name,
            }
        else:
            name = task.name
        found.append(rules.combine(name, [entry_values(other) for other in entries]))
    return found


class ShownPrerequisites:
    """The shown entries' prerequisites, the same as :func:`prerequisites_of` over every
    entry of the plan, from the per-task aggregate of :func:`actionplan.selectors._paged` and
    one query of the shown target systems' entries of per-system tasks. Per prerequisite task:
    none when all its entries are of retired target systems; for a per-system task and an
    entry with a system, that system's entry (a retired one too, as there); otherwise every
    entry of the task combined, 対象外 not counted."""

    def __init__(self, source, shown: list, tasks: list[dict], links):
        self.depends: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
        for source_id, target_id, name, per_system in links:
            self.depends[source_id].append((target_id, name, per_system))
        self.combined: dict[int, rules.Dependency] = {}
        for found in tasks:
            if not found["live"]:
                continue  # a retired target system's entries no longer hold anything up
            if not found["counted"]:
                status = Status.DONE  # nothing to wait for
            elif found["not_started"]:
                status = Status.NOT_STARTED
            else:
                status = Status.IN_PROGRESS if found["in_progress"] else Status.DONE
            self.combined[found["task_id"]] = rules.Dependency("", found["end"], status)
        self.same_system: dict[tuple[int, int], tuple[str, list[rules.EntryValues]]] = {}
        wanted, systems = set(), set()
        for entry in shown:
            for task_id, _, per_system in self.depends.get(entry.task_id, ()):
                if entry.system_id and per_system:
                    wanted.add(task_id)
                    systems.add(entry.system_id)
        if not wanted:
            return  # no shown row waits for the same system's entry of another task
        found = (
            source.order_by()
            .filter(task_id__in=wanted, system_id__in=systems)
            .values("task_id", "system_id", "system__name", "planned_end", "status")
        )
        for values in found:
            key = values["task_id"], values["system_id"]
            self.same_system.setdefault(key, (values["system__name"], []))[1].append(
                rules.EntryValues(planned_end=values["planned_end"], status=values["status"])
            )

    def of(self, entry) -> list[rules.Dependency]:
        found = []
        for task_id, name, per_system in self.depends.get(entry.task_id, ()):
            if task_id not in self.combined:
                continue
            if entry.system_id and per_system:
                if (task_id, entry.system_id) not in self.same_system:
                    continue
                system, values = self.same_system[task_id, entry.system_id]
                label = gettext("%(task)s（%(system)s）") % {"task": name, "system": system}
                found.append(rules.combine(label, values))
            else:
                found.append(dataclasses.replace(self.combined[task_id], name=name))
        return found


def summed(organization: Organization, task_ids: list[int]) -> dict[int, rules.Dependency]:
    """:func:`rules.combine` over each task's entries of the organisation, in one aggregate
    query: the latest planned end and the least progressed status, 対象外 not counted."""
    counted = ~Q(status=Status.NOT_APPLICABLE)
    sums = (
        PlanEntry.objects.filter(organization=organization, task_id__in=task_ids)
        .values("task_id")
        .annotate(
            end=Max("planned_end", filter=counted),
            counted=Count("pk", filter=counted),
            not_started=Count("pk", filter=Q(status=Status.NOT_STARTED)),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
        )
        .order_by()
    )
    found = {}
    for item in sums:
        if not item["counted"]:
            status = Status.DONE  # nothing to wait for
        elif item["not_started"]:
            status = Status.NOT_STARTED
        else:
            status = Status.IN_PROGRESS if item["in_progress"] else Status.DONE
        found[item["task_id"]] = rules.Dependency("", item["end"], status)
    return found
