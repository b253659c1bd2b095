"""The migrations that add columns to the review's read model fill them for the rows that
exist: 0015 (each entry's state says whether it has begun; the per-organisation rollup
counts them) and 0016 (every flag keeps its organisation's code)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F

from actionplan.models import PlanEntry
from review import orgrollups
from review.begun import BEGUN, COLUMN
from review.models import DelayFlag, EntryState

BEFORE = ("review", "0014_fewer_single_column_indexes")


def _migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_existing_states_flags_and_cells_are_filled(judged, sapporo, alice):
    from actionplan import services as plan_services
    from tests.review.conftest import D

    # Some entries begun in each sense, so both columns count something.
    for code, data in (
        ("A", {"actual_start": D(2015, 5, 7)}),
        ("B", {"planned_start": D(2015, 5, 1)}),
    ):
        entry = PlanEntry.objects.filter(organization=sapporo, task__work_item__code=code).first()
        plan_services.save_entry(alice, entry.pk, data, entry.version, on=D(2015, 6, 1))
    cells = orgrollups.stored(judged)
    assert all(sum(cell[column] for cell in cells.values()) for column in COLUMN.values())
    assert DelayFlag.objects.exists()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate([BEFORE])
    try:
        _migrate(latest)
        assert orgrollups.stored(judged) == cells
        for sense, column in COLUMN.items():
            begun = set(PlanEntry.objects.filter(BEGUN[sense]).values_list("pk", flat=True))
            flagged = set(
                EntryState.objects.filter(**{column: True}).values_list("entry_id", flat=True)
            )
            assert flagged == begun & set(EntryState.objects.values_list("entry_id", flat=True))
        assert not DelayFlag.objects.exclude(organization_code=F("organization__code")).exists()
    finally:
        _migrate(latest)
