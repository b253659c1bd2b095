"""The Excel round trip: export, all-or-nothing import, marked workbook, hostile files."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actionplan import excel, selectors, services, tasks
from actionplan.models import ImportJob, PlanEntry
from tests.actionplan.conftest import ON, entry
from tests.hostile_xlsx import BILLION_LAUGHS, many_rows, xlsx_with, zip_bomb

D = dt.date
COL = {column.key: number for number, column in enumerate(excel.COLUMNS, start=1)}


def export(organization, programme) -> bytes:
    return excel.export(organization, programme, selectors.plan(organization, programme).rows)


def edit(data: bytes, changes: dict[tuple[int, str], object]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    for (row, key), value in changes.items():
        sheet.cell(row=row, column=COL[key], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(data: bytes, entry_id: int) -> int:
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    for number in range(2, sheet.max_row + 1):
        if sheet.cell(row=number, column=COL["id"]).value == entry_id:
            return number
    raise LookupError(entry_id)


def run(user, organization, programme, data):
    return excel.import_plan(user, organization, programme, data, on=ON)


def test_export_has_keys_hidden_protected_and_validated(plan, sapporo, programme):
    data = export(sapporo, programme)
    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    assert sheet.max_row == plan.count() + 1
    assert sheet.column_dimensions["A"].hidden and sheet.column_dimensions["B"].hidden
    assert sheet.protection.sheet
    first = 2
    assert sheet.cell(row=first, column=COL["task"]).protection.locked
    assert not sheet.cell(row=first, column=COL["planned_start"]).protection.locked
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    status = next(v for ref, v in validations.items() if ref.startswith("K2"))
    assert status.type == "list" and "未着手,実施中,完了,対象外" in status.formula1
    assert any(v.type == "date" for v in validations.values())
    assert book[excel.META_SHEET].sheet_state == "veryHidden"


def test_exported_text_cannot_run_as_a_formula(alice, plan, sapporo, programme):
    target = entry(sapporo, "A", "住民への広報活動")
    for text in ('=HYPERLINK("http://evil")', "+1+1", "-2", "@SUM(A1)"):
        PlanEntry.objects.filter(pk=target.pk).update(remarks=text)
        data = export(sapporo, programme)
        cell = load_workbook(io.BytesIO(data))[excel.SHEET].cell(
            row_of(data, target.pk), COL["remarks"]
        )
        assert cell.data_type == "s" and cell.value == "'" + text
        # The escaped text comes back unchanged: the round trip is still a no-op.
        assert run(alice, sapporo, programme, data).changed == 0


def test_round_trip_without_changes_is_a_no_op(alice, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    services.save_entry(
        alice, target.pk, {"planned_start": D(2015, 4, 1), "remarks": "備考"}, 1, on=ON
    )
    history = PlanEntry.history.count()
    result = run(alice, sapporo, programme, export(sapporo, programme))
    assert result.errors == [] and result.changed == 0 and result.rows == plan.count()
    assert PlanEntry.history.count() == history


def test_changed_date_is_written_with_history(alice, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    row = row_of(data, target.pk)
    changed = edit(
        data, {(row, "planned_start"): dt.datetime(2015, 4, 1), (row, "planned_end"): "2015/09/30"}
    )
    result = run(alice, sapporo, programme, changed)
    assert result.errors == [] and result.changed == 1
    target.refresh_from_db()
    assert (target.planned_start, target.planned_end, target.version) == (
        D(2015, 4, 1),
        D(2015, 9, 30),
        2,
    )
    assert target.history.latest().history_user == alice


def test_errors_write_nothing_and_mark_the_cells(alice, plan, sapporo, programme):
    good = entry(sapporo, "A", "住民への広報活動")
    bad = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    changed = edit(
        data,
        {
            (row_of(data, good.pk), "remarks"): "正しい変更",
            (row_of(data, bad.pk), "planned_start"): dt.datetime(2015, 9, 1),
            (row_of(data, bad.pk), "planned_end"): dt.datetime(2015, 4, 1),
            (row_of(data, bad.pk), "progress"): 120,
        },
    )
    result = run(alice, sapporo, programme, changed)
    assert {(e.row, e.column) for e in result.errors} == {
        (row_of(data, bad.pk), "planned_end"),
        (row_of(data, bad.pk), "progress"),
    }
    assert PlanEntry.objects.get(pk=good.pk).remarks == ""  # all or nothing
    marked = load_workbook(io.BytesIO(result.marked))
    cell = marked[excel.SHEET].cell(row_of(data, bad.pk), COL["progress"])
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "進捗率は0から100の整数で入力してください。" in cell.comment.text
    listing = [row for row in marked[excel.ERROR_SHEET].iter_rows(min_row=2, values_only=True)]
    assert (
        "計画",
        row_of(data, bad.pk),
        "M",
        "進捗率（%）",
        "進捗率は0から100の整数で入力してください。",
    ) in listing


def test_completion_without_items_is_refused_in_the_sheet(alice, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    row = row_of(data, target.pk)
    changed = edit(
        data,
        {
            (row, "status"): "完了",
            (row, "actual_start"): dt.datetime(2015, 4, 1),
            (row, "actual_end"): dt.datetime(2015, 7, 1),
        },
    )
    result = run(alice, sapporo, programme, changed)
    assert any("本番環境での動作確認" in e.message for e in result.errors)


def test_changed_key_columns_are_refused(alice, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    result = run(
        alice, sapporo, programme, edit(data, {(row_of(data, target.pk), "task"): "別のタスク"})
    )
    assert [e.message for e in result.errors] == [
        "キー列は変更できません（元の値: 住民票記載事項の追加）。"
    ]


def test_edit_made_after_download_is_not_overwritten(alice, carol, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    services.save_entry(carol, target.pk, {"remarks": "キャロル"}, 1, on=ON)
    result = run(
        alice, sapporo, programme, edit(data, {(row_of(data, target.pk), "remarks"): "アリス"})
    )
    assert "札幌 キャロルさんがこの行を変更しました" in result.errors[0].message
    assert PlanEntry.objects.get(pk=target.pk).remarks == "キャロル"


def test_formulas_in_cells_are_refused(alice, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    result = run(
        alice, sapporo, programme, edit(data, {(row_of(data, target.pk), "remarks"): "=1+1"})
    )
    assert [e.message for e in result.errors] == ["数式は使えません。値を入力してください。"]


def test_another_organisations_keys_are_refused(alice, plan, sapporo, hakodate, programme):
    services.ensure_entries(hakodate, programme)
    theirs = PlanEntry.objects.filter(organization=hakodate).first()
    data = export(sapporo, programme)
    with pytest.raises(excel.UploadRefused, match="他の団体の行が含まれています"):
        run(alice, sapporo, programme, edit(data, {(2, "id"): theirs.pk}))
    with pytest.raises(excel.UploadRefused, match="他の団体の計画ファイルです"):
        run(alice, sapporo, programme, export(hakodate, programme))


# --- Hostile files, refused before parsing -------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda: b"a,b\n1,2\n", "plan.csv", "Excelブック（.xlsx）を選んでください。"),
        (lambda: b"not a zip at all", "plan.xlsx", "Excelブック（.xlsx）として読み取れません"),
        (
            lambda: b"PK" + b"\0" * (10 * 1024 * 1024),
            "plan.xlsx",
            "ファイルが大きすぎます（10MBまで）。",
        ),
        (zip_bomb, "plan.xlsx", "展開後のサイズが大きすぎる"),
        (lambda: xlsx_with(BILLION_LAUGHS), "plan.xlsx", "文書型定義（DTD・実体参照）"),
        (lambda: many_rows(20_001), "plan.xlsx", "行数が多すぎます（20,000行まで）。"),
    ],
    ids=["not-xlsx", "not-zip", "too-big", "zip-bomb", "xml-entities", "too-many-rows"],
)
def test_hostile_files_are_refused_quickly(make, name, message):
    data = make()
    start = time.perf_counter()
    with pytest.raises(excel.UploadRefused, match=message.replace("(", r"\(").replace(")", r"\)")):
        excel.preflight(data, name)
    assert time.perf_counter() - start < 5


def test_twenty_thousand_rows_are_allowed():
    assert excel.preflight(many_rows(20_000), "plan.xlsx") == 20_000


# --- Through the views ---------------------------------------------------------------------


def upload(client, organization, data: bytes, name: str = "plan.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("actionplan:plan_upload", args=[organization.code]), {"file": file})


def test_upload_page_round_trip(client, alice, plan, sapporo, programme):
    client.force_login(alice)
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = client.get(reverse("actionplan:plan_xlsx", args=[sapporo.code])).content
    changed = edit(data, {(row_of(data, target.pk), "planned_end"): dt.datetime(2015, 9, 30)})
    response = upload(client, sapporo, changed)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.state == "done" and job.changed == 1
    page = client.get(response["Location"]).content.decode()
    assert "1件を更新しました。" in page
    assert PlanEntry.objects.get(pk=target.pk).planned_end == D(2015, 9, 30)


def test_upload_with_errors_offers_the_marked_workbook(client, alice, plan, sapporo, programme):
    client.force_login(alice)
    data = export(sapporo, programme)
    response = upload(client, sapporo, edit(data, {(2, "progress"): 300}))
    job = ImportJob.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert job.state == "failed" and "何も書き込みませんでした" in page
    marked = client.get(reverse("actionplan:import_marked", args=[sapporo.code, job.pk]))
    assert marked.status_code == 200
    sheet = load_workbook(io.BytesIO(marked.content))[excel.SHEET]
    assert sheet.cell(2, COL["progress"]).comment is not None


def test_refused_upload_message_is_next_to_the_field(client, alice, plan, sapporo):
    client.force_login(alice)
    response = upload(client, sapporo, b"a,b", name="plan.csv")
    assert response.status_code == 400
    assert (
        'id="file-error" role="alert">Excelブック（.xlsx）を選んでください。'
        in response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_large_upload_runs_as_a_job(
    client, alice, plan, sapporo, programme, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    queued = []
    monkeypatch.setattr(excel, "SYNC_ROWS", 0)
    monkeypatch.setattr(tasks.import_plan, "delay", lambda job_id: queued.append(job_id))
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            client, sapporo, edit(data, {(row_of(data, target.pk), "remarks"): "大量取込"})
        )
    job = ImportJob.objects.get()
    assert queued == [job.pk] and job.state == "queued"
    polled = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in polled and "取り込んでいます" in polled
    tasks.import_plan.apply(args=[job.pk])
    tasks.import_plan.apply(args=[job.pk])  # a second delivery does nothing
    job.refresh_from_db()
    assert job.state == "done" and job.changed == 1
    assert PlanEntry.objects.get(pk=target.pk).remarks == "大量取込"
    assert PlanEntry.objects.get(pk=target.pk).version == 2


def test_import_announces_all_saved_entries_at_once(alice, plan, sapporo, programme):
    """Delay detection can re-judge a whole sheet in one go, inside its transaction."""
    heard = []

    def receiver(sender, entry_ids, **kwargs):
        heard.append(sorted(entry_ids))

    services.entry_saved.connect(receiver)
    try:
        first, second = entry(sapporo, "A", "住民への広報活動"), entry(sapporo, "J", "議会提案")
        data = export(sapporo, programme)
        changed = edit(
            data,
            {(row_of(data, first.pk), "remarks"): "一", (row_of(data, second.pk), "remarks"): "二"},
        )
        assert run(alice, sapporo, programme, changed).changed == 2
        services.save_entry(alice, first.pk, {"remarks": "三"}, 2, on=ON)
    finally:
        services.entry_saved.disconnect(receiver)
    assert heard == [sorted([first.pk, second.pk]), [first.pk]]
