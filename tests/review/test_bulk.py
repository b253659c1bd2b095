"""pmo.bulk: the multi-row writes the nightly job, imports and publishing rely on."""

from __future__ import annotations

import datetime as dt

from pmo import bulk
from review import services
from review.models import DelayFlag, StatusRollup

D = dt.date


def test_update_sets_each_row_its_own_values_nulls_included(judged, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_PARAMS", 60)  # several statements
    flags = list(DelayFlag.objects.order_by("pk")[:10])
    rows = [
        [flag.pk, n, D(2015, 5, n + 1), None, n % 2 == 0, None, n % 3 == 0, D(2015, 7, 1)]
        for n, flag in enumerate(flags)
    ]
    assert bulk.update(DelayFlag, services.CHANGED_COLUMNS, rows) == 3  # 4 rows a statement
    for n, flag in enumerate(DelayFlag.objects.filter(pk__in=[f.pk for f in flags]).order_by("pk")):
        assert (flag.days_late, flag.since, flag.since_ordinal) == (n, D(2015, 5, n + 1), None)
        assert (flag.significant, flag.significant_since, flag.approved) == (
            n % 2 == 0,
            None,
            n % 3 == 0,
        )
        assert flag.last_seen == D(2015, 7, 1)
    untouched = DelayFlag.objects.exclude(pk__in=[f.pk for f in flags]).first()
    assert untouched.last_seen != D(2015, 7, 1)


def test_insert_adds_to_counts_on_conflict(judged):
    cell = StatusRollup.objects.first()
    key = [cell.programme_id, cell.work_item_id, cell.prefecture_id, cell.status]
    columns = ("programme_id", "work_item_id", "prefecture_id", "status", "entries", "weight")
    bulk.insert(
        StatusRollup, columns, [[*key, 2, 1]], conflict=columns[:4], add=("entries", "weight")
    )
    again = StatusRollup.objects.get(pk=cell.pk)
    assert (again.entries, again.weight) == (cell.entries + 2, cell.weight + 1)
