"""pmo.bulk: the multi-row writes the nightly job, imports and publishing rely on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from pmo import bulk
from review import flag_rows, judging, orgrollups
from review.models import DelayFlag, OrganizationRollup, Rule, StatusRollup

D = dt.date


def test_update_sets_each_row_its_own_values_nulls_included(judged, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_PARAMS", 60)  # several statements (SQLite: a CASE each)
    monkeypatch.setattr(bulk, "ARRAY_ROWS", 4)  # and on Postgres (arrays of 4 rows)
    flags = list(DelayFlag.objects.order_by("pk")[:10])
    rows = [
        [flag.pk, n, D(2015, 5, n + 1), None, n % 2 == 0, None, n % 3 == 0, D(2015, 7, 1)]
        for n, flag in enumerate(flags)
    ]
    assert bulk.update(DelayFlag, flag_rows.CHANGED_COLUMNS, rows) == 3  # 4 rows a statement
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


def test_set_where_gives_each_group_its_value(judged, monkeypatch):
    """``next_check_on`` by date: every listed entry gets its group's date (NEVER included),
    the others keep theirs; on Postgres in ARRAY_ROWS-sized statements, elsewhere one per
    date."""
    from actionplan.models import PlanEntry

    monkeypatch.setattr(bulk, "ARRAY_ROWS", 3)
    ids = list(PlanEntry.objects.order_by("pk").values_list("pk", flat=True))
    before = dict(PlanEntry.objects.values_list("pk", "next_check_on"))
    groups = {
        D(2015, 6, 1): ids[0:3],
        judging.NEVER: ids[3:4],
        D(2015, 7, 2): ids[4:5],
        D(2016, 1, 4): ids[5:7],
    }
    statements = bulk.set_where(PlanEntry, "next_check_on", groups)
    assert statements == (3 if connection.vendor == "postgresql" else 4)  # 7 rows, 4 dates
    after = dict(PlanEntry.objects.values_list("pk", "next_check_on"))
    wanted = {pk: day for day, pks in groups.items() for pk in pks}
    for pk in ids:
        assert after[pk] == wanted.get(pk, before[pk]), pk
    assert bulk.set_where(PlanEntry, "next_check_on", {}) == 0


def test_insert_adds_to_counts_on_conflict(judged):
    cell = StatusRollup.objects.first()
    key = [cell.programme_id, cell.work_item_id, cell.prefecture_id, cell.status]
    columns = ("programme_id", "work_item_id", "prefecture_id", "status", "entries", "weight")
    bulk.insert(
        StatusRollup, columns, [[*key, 2, 1]], conflict=columns[:4], add=("entries", "weight")
    )
    again = StatusRollup.objects.get(pk=cell.pk)
    assert (again.entries, again.weight) == (cell.entries + 2, cell.weight + 1)


def test_insert_keeps_the_greatest_and_least_nulls_losing(judged):
    """The worst days of a cell kept in the upsert (:mod:`review.orgrollups`): the larger
    fixed days, the earlier since, a NULL (no flag of that kind) losing on either side."""
    cell = OrganizationRollup.objects.first()
    OrganizationRollup.objects.filter(pk=cell.pk).update(worst_days=None, worst_since=700)
    key = [cell.programme_id, cell.work_item_id, cell.organization_id]
    columns = (*orgrollups.KEY, "prefecture_id", *orgrollups.COUNTS, "worst_days", "worst_since")

    def upsert(days, since) -> tuple:
        bulk.insert(
            OrganizationRollup,
            columns,
            [[*key, cell.prefecture_id, *[0] * len(orgrollups.COUNTS), days, since]],
            conflict=orgrollups.KEY,
            add=orgrollups.COUNTS,
            greatest=("worst_days",),
            least=("worst_since",),
        )
        return OrganizationRollup.objects.values_list("worst_days", "worst_since").get(pk=cell.pk)

    assert upsert(3, None) == (3, 700)
    assert upsert(2, 650) == (3, 650)
    assert upsert(None, 800) == (3, 650)
    assert upsert(9, None) == (9, 650)
    assert OrganizationRollup.objects.get(pk=cell.pk).flags == cell.flags


@pytest.mark.parametrize("skip", [False, True], ids=["plain", "skip-conflicts"])
def test_insert_keeps_every_value_type_and_splits_into_statements(judged, monkeypatch, skip):
    """Many rows (several statements), NULL-only and mixed columns, dates, decimals:
    each row reads back as written, whichever way the database takes them (Postgres:
    COPY; SQLite: a VALUES list)."""
    monkeypatch.setattr(bulk, "ARRAY_ROWS", 3)
    monkeypatch.setattr(bulk, "MAX_PARAMS", 30)  # 14 columns: 2 rows a statement
    template = DelayFlag.objects.first()
    DelayFlag.objects.all().delete()
    rows = [
        [
            template.entry_id,
            template.organization_id,
            template.organization_code,
            template.work_item_id,
            template.prefecture_id,
            rule,
            n,
            D(2015, 5, n + 1) if n % 2 else None,
            None,
            n % 2 == 0,
            None,
            False,
            D(2015, 6, 1),
            D(2015, 6, 2),
        ]
        for n, rule in enumerate(
            [Rule.NO_PLAN, Rule.START_OVERDUE, Rule.END_OVERDUE, Rule.MILESTONE_MISSED]
        )
    ]
    # Postgres: a plain insert is one COPY, whatever the number of rows, one with ON
    # CONFLICT 3 rows an array statement; SQLite: 2 rows a VALUES statement.
    expected = (2 if skip else 1) if connection.vendor == "postgresql" else 2
    assert bulk.insert(DelayFlag, flag_rows.FLAG_COLUMNS, rows, skip_conflicts=skip) == expected
    names = (
        "organization_code",
        "rule",
        "days_late",
        "since",
        "since_ordinal",
        "significant",
        "significant_since",
    )
    stored = DelayFlag.objects.order_by("days_late").values_list(*names)
    at = [flag_rows.FLAG_COLUMNS.index(name) for name in names]
    assert list(stored) == [tuple(row[i] for i in at) for row in rows]


def test_a_run_remembers_a_bounded_number_of_judgements(judged, monkeypatch):
    """One judgement per distinct dates and inputs, but never more than VERDICTS_KEPT kept:
    a national run of varied dates would otherwise hold one per entry."""
    from actionplan.models import PlanEntry

    ids = list(PlanEntry.objects.values_list("pk", flat=True))
    monkeypatch.setattr(judging, "VERDICTS_KEPT", 2)
    kept: list[int] = []
    original = judging.verdict

    def watched(entry, given, on, known):
        found = original(entry, given, on, known)
        kept.append(len(known))
        return found

    monkeypatch.setattr(judging, "verdict", watched)
    result = judging.judge_entries(ids, D(2015, 10, 1))
    assert result.judged == len(ids) > 2
    assert max(kept) == 2
