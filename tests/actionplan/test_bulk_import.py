"""The sheet import writes in bulk: a fixed number of statements per batch of rows, history
in bulk, one ``entry_saved``, and the optimistic version check still refuses the whole sheet."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from actionplan import excel, excel_import, services
from actionplan import signals as plan_signals
from actionplan.models import PlanEntry
from pmo import bulk
from tests.actionplan.conftest import ON, entry
from tests.actionplan.test_excel import COL, export, run

# 28 parameters a statement: the bulk save's batches are of 2 rows (14 values each), so
# batches can be counted with the few rows of a test plan.
PARAMS = 28
ROWS_PER_BATCH = 2


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(bulk, "max_params", lambda **kwargs: PARAMS)


def remarks_on(data: bytes, count: int, text: str = "一括") -> tuple[bytes, list[int]]:
    """``data`` with the remarks of its first ``count`` rows changed; their entry ids."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    ids = []
    for number in range(2, count + 2):
        sheet.cell(number, COL["remarks"], f"{text}{number}")
        ids.append(sheet.cell(number, COL["id"]).value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), ids


def excel_row(data: bytes, index: int, text: str) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    sheet.cell(sheet.max_row + 1 + index if index < 0 else index, COL["remarks"], text)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statements(user, organization, programme, data) -> tuple[excel_import.ImportResult, int]:
    with CaptureQueriesContext(connection) as queries:
        result = run(user, organization, programme, data)
    return result, len(queries)


# Reading the sheet: the programme's completion items (the sheet's columns), the entries (with
# task, work item, programme, system, updater) and their completion items, 3; writing, in one
# transaction (SAVEPOINT/RELEASE under the test's transaction): per batch the UPDATE … FROM
# (VALUES …) and the history INSERT … SELECT; then delay detection's one pass.
READ = 3
PER_BATCH = 2
# Delay detection (review.judging.entries_changed) for every saved entry at once: its savepoint
# and release and five reads (entries, milestones, approved exceptions, flags, states).
JUDGING = 7


@pytest.mark.parametrize("rows", [1, 2, 5, 9])
def test_import_statements_grow_by_batch_not_by_row(
    alice, plan, sapporo, programme, small_batches, rows
):
    last = excel_row(export(sapporo, programme), -1, "基準")  # one row, outside the others
    first, one_batch = statements(alice, sapporo, programme, last)
    assert first.changed == 1 and not first.errors
    data, ids = remarks_on(export(sapporo, programme), rows)
    result, count = statements(alice, sapporo, programme, data)
    assert not result.errors and result.changed == rows
    batches = -(-rows // ROWS_PER_BATCH)
    assert count == one_batch + PER_BATCH * (batches - 1)
    saved = PlanEntry.objects.filter(pk__in=ids)
    assert sorted(saved.values_list("version", flat=True)) == [2] * rows


def test_one_batch_import_statement_count_is_exact(alice, plan, sapporo, programme):
    """All rows of the test plan fit one batch at the real size: the whole import, reading
    and writing, in a fixed number of statements whatever the number of changed rows."""
    data, _ = remarks_on(export(sapporo, programme), 3)
    few, few_count = statements(alice, sapporo, programme, data)
    rows = plan.count()
    data, _ = remarks_on(export(sapporo, programme), rows, "全行")
    every, every_count = statements(alice, sapporo, programme, data)
    assert (few.changed, every.changed) == (3, rows) and rows > 20
    assert few_count == every_count
    assert every_count == READ + 2 + PER_BATCH + JUDGING  # 2: savepoint, release


def test_each_saved_row_gets_one_history_record_by_the_importer(alice, plan, sapporo, programme):
    data, ids = remarks_on(export(sapporo, programme), 4)
    history = PlanEntry.history.model
    before = history.objects.count()
    assert run(alice, sapporo, programme, data).changed == 4
    added = history.objects.filter(history_type="~")
    assert history.objects.count() == before + 4
    assert sorted(added.values_list("id", flat=True)) == sorted(ids)
    assert {(h.history_user_id, h.version, h.updated_by_id) for h in added} == {
        (alice.pk, 2, alice.pk)
    }
    assert {h.remarks for h in added} == {f"一括{n}" for n in range(2, 6)}
    # The conflict report of a later stale save reads what changed from this history.
    target = entry(sapporo, "A", "住民への広報活動")
    if target.pk in ids:
        with pytest.raises(services.ConflictError) as raised:
            services.save_entry(alice, target.pk, {"remarks": "古い版から"}, 1, on=ON)
        assert [c.field for c in raised.value.changes] == ["remarks"]


def test_import_announces_every_saved_entry_once(alice, plan, sapporo, programme, small_batches):
    heard = []

    def receiver(sender, entry_ids, **kwargs):
        heard.append(sorted(entry_ids))

    data, ids = remarks_on(export(sapporo, programme), 5)
    plan_signals.entry_saved.connect(receiver)
    try:
        assert run(alice, sapporo, programme, data).changed == 5
    finally:
        plan_signals.entry_saved.disconnect(receiver)
    assert heard == [sorted(ids)]  # one notice for three batches


def test_row_saved_by_someone_else_during_the_import_refuses_the_whole_sheet(
    alice, carol, plan, sapporo, programme, small_batches, monkeypatch
):
    """The sheet was read at version 1 everywhere; carol saves its last changed row while the
    import runs (after it read the entries). The first batches were already written when the
    last one finds the row moved on: all of it rolls back, and the marked workbook names the
    row."""
    data, ids = remarks_on(export(sapporo, programme), 5)
    read = excel_import._entries

    def read_then_carol_saves(organization, programme):
        entries = read(organization, programme)
        services.save_entry(carol, ids[-1], {"remarks": "キャロル"}, 1, on=ON)
        return entries

    monkeypatch.setattr(excel_import, "_entries", read_then_carol_saves)
    history = PlanEntry.history.model.objects.count()
    heard = []

    def receiver(sender, entry_ids, **kwargs):
        heard.append(entry_ids)

    plan_signals.entry_saved.connect(receiver)
    try:
        result = run(alice, sapporo, programme, data)
    finally:
        plan_signals.entry_saved.disconnect(receiver)
    assert result.changed == 0
    [error] = result.errors
    assert error.row == 6 and "取込中に札幌 キャロルさんがこの行を変更しました" in error.message
    versions = dict(PlanEntry.objects.filter(pk__in=ids).values_list("pk", "version"))
    assert versions == {**dict.fromkeys(ids[:-1], 1), ids[-1]: 2}  # carol's save only
    assert set(PlanEntry.objects.filter(pk__in=ids).values_list("remarks", flat=True)) == {
        "",
        "キャロル",
    }
    assert PlanEntry.history.model.objects.count() == history + 1
    assert heard == [[ids[-1]]]  # carol's save; the import announced nothing
    marked = load_workbook(io.BytesIO(result.marked))
    assert marked[excel.ERROR_SHEET].cell(2, 2).value == 6


def test_bulk_save_refuses_an_invalid_row_and_writes_nothing(alice, plan, sapporo):
    first = services._load(entry(sapporo, "A", "住民への広報活動").pk)
    second = services._load(entry(sapporo, "J", "議会提案").pk)
    with pytest.raises(services.EntryInvalid) as raised:
        services.save_entries(
            alice,
            [(first, {"remarks": "正しい"}, 1), (second, {"progress": 101}, 1)],
            on=ON,
        )
    assert raised.value.entry_id == second.pk
    assert PlanEntry.objects.get(pk=first.pk).version == 1


def test_bulk_save_skips_unchanged_rows(alice, plan, sapporo):
    first = services._load(entry(sapporo, "A", "住民への広報活動").pk)
    second = services._load(entry(sapporo, "J", "議会提案").pk)
    saved = services.save_entries(
        alice, [(first, {"remarks": ""}, 1), (second, {"remarks": "変更"}, 1)], on=ON
    )
    assert saved == [second.pk] and (first.version, second.version) == (1, 2)
    assert second.updated_by == alice
