"""The review figures computed from every entry afresh with :func:`review.rules.judge`: the
oracle the rollups are tested against (they are kept current by deltas; these recount all).
Test code: the portal itself never recounts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from actionplan.models import PlanEntry, Programme
from review import begun, judging, orgrollups
from review.rollups import FINISHED


def full_scan(programme: Programme, on: dt.date) -> tuple[dict, dict]:
    """The same cells computed from every entry afresh with :func:`review.rules.judge`."""
    status: dict = defaultdict(lambda: [0, Decimal(0)])
    rules: dict = defaultdict(lambda: [0, 0, 0])
    entries = PlanEntry.objects.filter(task__work_item__programme=programme).select_related(
        "task__work_item__programme", "organization"
    )
    chunk: list = []

    def flush() -> None:
        inputs = judging.inputs_for(chunk)
        for entry in chunk:
            if judging.is_retired(entry, on):
                continue
            work_item = entry.task.work_item_id
            prefecture = judging.prefecture_id(entry.organization)
            cell = status[(work_item, prefecture, entry.status)]
            cell[0] += 1
            cell[1] += entry.task.weight
            for flag in judging.judge_one(entry, inputs[entry.pk], on):
                counts = rules[(work_item, prefecture, flag.rule)]
                counts[0] += 1
                counts[1] += bool(flag.significant and not flag.approved)
                counts[2] += bool(flag.approved)
        chunk.clear()

    for entry in entries.iterator(chunk_size=2000):
        chunk.append(entry)
        if len(chunk) >= 2000:
            flush()
    if chunk:
        flush()
    return (
        {key: (n, Decimal(w)) for key, (n, w) in status.items()},
        {key: tuple(value) for key, value in rules.items() if value[0]},
    )


def full_scan_organizations(programme: Programme, on: dt.date) -> dict[tuple[int, int], dict]:
    """The per-organisation cells (:func:`review.orgrollups.stored`'s shape) computed from
    every entry afresh with :func:`review.rules.judge`."""

    def empty() -> dict:
        return {name: 0 for name in orgrollups.COUNTS} | {"worst_days": None, "worst_since": None}

    cells: dict = defaultdict(empty)
    entries = PlanEntry.objects.filter(task__work_item__programme=programme).select_related(
        "task__work_item__programme", "organization"
    )
    chunk = list(entries)
    inputs = judging.inputs_for(chunk)
    # Begun, by the entries' own Q (the rollup counts what the judging's predicates said).
    begun_ids = {
        column: set(entries.filter(begun.BEGUN[sense]).values_list("pk", flat=True))
        for sense, column in begun.COLUMN.items()
    }
    for entry in chunk:
        if judging.is_retired(entry, on):
            continue
        cell = cells[(entry.task.work_item_id, entry.organization_id)]
        cell["prefecture_id"] = judging.prefecture_id(entry.organization)
        cell["entries"] += 1
        cell["finished"] += entry.status in FINISHED
        for column, ids in begun_ids.items():
            cell[column] += entry.pk in ids
        for flag in judging.judge_one(entry, inputs[entry.pk], on):
            needs = bool(flag.significant and not flag.approved)
            cell["flags"] += 1
            cell["significant"] += needs
            cell["approved"] += bool(flag.approved)
            cell[orgrollups.RULE_COLUMNS[flag.rule]] += 1
            cell[orgrollups.SIGNIFICANT_COLUMNS[flag.rule]] += needs
            if flag.since is None:
                cell["worst_days"] = max(cell["worst_days"] or 0, flag.days_late)
            else:
                since = flag.since.toordinal()
                cell["worst_since"] = min(cell["worst_since"] or since, since)
    return {key: cell for key, cell in cells.items() if any(cell[n] for n in orgrollups.COUNTS)}
