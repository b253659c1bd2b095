"""The Excel round trip: export, all-or-nothing import, marked workbook, hostile files."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from actionplan import excel, excel_import, excel_items, publishing, selectors, services, tasks
from actionplan import signals as plan_signals
from actionplan.models import CompletionItem, ImportJob, PlanEntry
from tests.actionplan.conftest import ON, entry
from tests.factories import CompletionItemFactory
from tests.hostile_xlsx import BILLION_LAUGHS, many_rows, xlsx_with, zip_bomb

D = dt.date
COL = {column.key: number for number, column in enumerate(excel.COLUMNS, start=1)}


def export(organization, programme) -> bytes:
    return excel.export(organization, programme, selectors.plan(organization, programme).rows)


def edit(data: bytes, changes: dict[tuple[int, str | int], object]) -> bytes:
    """``data`` with cells changed: (row, COLUMNS key or column number) -> value."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    for (row, key), value in changes.items():
        cell = sheet.cell(row=row, column=key if isinstance(key, int) else COL[key])
        cell.value = value  # None empties the cell
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
    return excel_import.import_plan(user, organization, programme, data, on=ON)


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
    publishing.ensure_entries(hakodate, programme)
    theirs = PlanEntry.objects.filter(organization=hakodate).first()
    data = export(sapporo, programme)
    with pytest.raises(excel.UploadRefused, match="他の団体の行が含まれています"):
        run(alice, sapporo, programme, edit(data, {(2, "id"): theirs.pk}))
    with pytest.raises(excel.UploadRefused, match="他の団体の計画ファイルです"):
        run(alice, sapporo, programme, export(hakodate, programme))


# --- Completion items (完了時の入力項目) ------------------------------------------------------


def item(target: PlanEntry, label: str) -> CompletionItem:
    return target.task.completion_items.get(label=label)


def column_of(data: bytes, title: str) -> int:
    """The number of the column titled ``title`` in the exported sheet."""
    header = next(load_workbook(io.BytesIO(data))[excel.SHEET].iter_rows(max_row=1))
    return next(cell.column for cell in header if cell.value == title)


def finish(target: PlanEntry, row: int) -> dict[tuple[int, str | int], object]:
    """The cells that mark ``target`` done (its answers aside)."""
    return {
        (row, "status"): "完了",
        (row, "actual_start"): dt.datetime(2015, 4, 1),
        (row, "actual_end"): dt.datetime(2015, 7, 1),
    }


def answer(user, target: PlanEntry, answers: dict[str, str]) -> None:
    """Save ``target`` as done with ``answers`` ({label: stored answer}) through the service."""
    completion = {str(item(target, label).pk): value for label, value in answers.items()}
    data = {"status": "done", "actual_start": D(2015, 4, 1), "actual_end": D(2015, 7, 1)}
    services.save_entry(user, target.pk, {**data, "completion": completion}, 1, on=ON)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("date", dt.datetime(2015, 7, 9), ("2015-07-09", "")),
        ("date", "2015/7/9", ("2015-07-09", "")),
        ("date", "２０１５／０７／０９", ("2015-07-09", "")),
        (
            "date",
            42194,
            ("", "「項目」: 日付は 2015/07/09 の形で、実在する日付を入力してください。"),
        ),
        ("date", "2015年7月9日", ("2015-07-09", "")),
        ("number", 3, ("3", "")),
        ("number", 0.1, ("0.1", "")),
        ("number", "1,234", ("1234", "")),
        ("number", "１２", ("12", "")),
        ("number", "NaN", ("", "「項目」: 数値で入力してください。")),
        ("number", True, ("", "「項目」: 数値で入力してください。")),
        ("yes_no", "はい", ("yes", "")),
        ("yes_no", " いいえ ", ("no", "")),
        ("yes_no", "Yes", ("yes", "")),  # the survey desk's words for yes
        ("yes_no", "たぶん", ("", "「項目」: 「はい」か「いいえ」を選んでください。")),
        ("choice", "個別改修", ("個別改修", "")),
        ("choice", "外注", ("", "「項目」: 選択肢の中から選んでください。")),
        ("single", "個別改修", ("個別改修", "")),
        ("multiple", "個別改修、パッケージの更新", (["パッケージの更新", "個別改修"], "")),
        ("multiple", "個別改修,外注", ("", "「項目」: 選択肢にない回答です: 外注")),
        ("text", "x" * 2001, ("x" * 2001, "")),
        ("text", "x" * 4001, ("", "「項目」: 4000文字以内で入力してください。")),
        ("short_text", "x" * 201, ("", "「項目」: 200文字以内で入力してください。")),
        ("short_text", 12.0, ("12", "")),
    ],
)
def test_a_cell_is_read_as_its_kind(kind, value, expected):
    question = CompletionItem(label="項目", kind=kind, choices="パッケージの更新\n個別改修")
    assert excel_items.parse(question, value) == expected


def test_export_has_a_column_per_completion_item(plan, sapporo, programme):
    data = export(sapporo, programme)
    book = load_workbook(io.BytesIO(data))
    header = [cell.value for cell in book[excel.SHEET][1]]
    labels = list(
        CompletionItem.objects.filter(task__work_item__programme=programme)
        .order_by("task__work_item__order", "task__order", "order")
        .values_list("label", flat=True)
    )
    assert header[: len(excel.COLUMNS)] == [column.title for column in excel.COLUMNS]
    assert header[len(excel.COLUMNS) :] == [f"完了時: {label}" for label in labels]
    assert header[len(excel.COLUMNS)] == "完了時: 窓口の設置日"
    # _meta names the item behind each column, so the import does not go by titles alone.
    recorded = [row for row in book[excel.META_SHEET].values if row[0] == "completion"]
    window = item(entry(sapporo, "A", "相談窓口の設置"), "窓口の設置日")
    assert recorded[0] == ("completion", "O", window.pk, "完了時: 窓口の設置日")
    assert len(recorded) == len(labels)


def test_completion_cells_are_editable_only_on_their_tasks_rows(plan, sapporo, programme):
    desk, publicity = entry(sapporo, "A", "相談窓口の設置"), entry(sapporo, "A", "住民への広報活動")
    data = export(sapporo, programme)
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    date_column = column_of(data, "完了時: 窓口の設置日")
    yes_no_column = column_of(data, "完了時: 本番環境での動作確認")
    own = sheet.cell(row_of(data, desk.pk), date_column)
    assert not own.protection.locked and own.fill.fgColor.rgb.endswith("FFF8DC")
    assert own.number_format == "yyyy/mm/dd"
    for cell in (
        sheet.cell(row_of(data, publicity.pk), date_column),
        sheet.cell(row_of(data, desk.pk), yes_no_column),
    ):
        assert cell.protection.locked and cell.fill.fgColor.rgb.endswith("D9D9D9")
        assert cell.value is None


def test_completion_columns_are_validated_by_kind(plan, sapporo, programme):
    desk = entry(sapporo, "A", "相談窓口の設置")
    change = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}

    def on(title: str, target: PlanEntry):
        letter = get_column_letter(column_of(data, title))
        return validations[f"{letter}{row_of(data, target.pk)}"]

    date = on("完了時: 窓口の設置日", desk)
    # Any date, as the plan page accepts (a desk may have opened before the programme).
    assert (date.type, date.operator, date.formula1) == ("date", "greaterThan", "DATE(1900,1,1)")
    assert "「相談窓口の設置」を完了にするときの必須項目です。" in date.prompt
    number = on("完了時: 窓口の数", desk)
    assert number.type == "decimal" and "任意項目" in number.prompt
    assert on("完了時: 本番環境での動作確認", change).formula1 == '"はい,いいえ"'
    choice = on("完了時: 改修の方法", change)
    assert (choice.type, choice.formula1) == ("list", '"パッケージの更新,個別改修,システム更改"')


def test_text_items_and_long_choice_lists(plan, sapporo, programme):
    task = entry(sapporo, "J", "議会提案").task
    CompletionItemFactory(task=task, label="議決日の備考", required=False)
    many = [f"選択肢その{number}の少し長い説明文" for number in range(1, 21)]
    CompletionItemFactory(
        task=task,
        label="条例の形式",
        kind=CompletionItem.Kind.SINGLE,
        choices="\n".join(many),
        order=2,
    )
    data = export(sapporo, programme)
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    row = row_of(data, entry(sapporo, "J", "議会提案").pk)
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    text = validations[f"{get_column_letter(column_of(data, '完了時: 議決日の備考'))}{row}"]
    assert (text.type, text.operator, text.formula1) == ("textLength", "lessThanOrEqual", "4000")
    # Over 255 characters: no list formula (Excel would refuse the file), the choices in the note.
    assert len(",".join(many)) > 255
    long = validations[f"{get_column_letter(column_of(data, '完了時: 条例の形式'))}{row}"]
    assert long.type is None and long.formula1 is None and long.showInputMessage
    assert "次のいずれかを入力してください: 選択肢その1の少し長い説明文／" in long.prompt
    assert len(long.prompt) <= 255


def test_a_label_two_tasks_share_names_its_task(plan, sapporo, programme):
    for code, name in (("A", "住民への広報活動"), ("J", "議会提案")):
        task = entry(sapporo, code, name).task
        CompletionItemFactory(task=task, label="実施日", kind=CompletionItem.Kind.DATE)
    data = export(sapporo, programme)
    assert column_of(data, "完了時: 実施日（A. 住民への広報活動）")
    assert column_of(data, "完了時: 実施日（J. 議会提案）")


def test_answers_round_trip_and_an_unchanged_sheet_changes_nothing(alice, plan, sapporo, programme):
    desk = entry(sapporo, "A", "相談窓口の設置")
    change = entry(sapporo, "B", "住民票記載事項の追加")
    answer(alice, desk, {"窓口の設置日": "2015-06-30", "窓口の数": "3.50"})
    answer(alice, change, {"本番環境での動作確認": "yes", "改修の方法": "個別改修"})
    data = export(sapporo, programme)
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    shown = {
        title: sheet.cell(row_of(data, target.pk), column_of(data, title)).value
        for target, title in (
            (desk, "完了時: 窓口の設置日"),
            (desk, "完了時: 窓口の数"),
            (change, "完了時: 本番環境での動作確認"),
            (change, "完了時: 改修の方法"),
        )
    }
    assert shown == {
        "完了時: 窓口の設置日": dt.datetime(2015, 6, 30),
        "完了時: 窓口の数": 3.5,
        "完了時: 本番環境での動作確認": "はい",
        "完了時: 改修の方法": "個別改修",
    }
    history = PlanEntry.history.count()
    result = run(alice, sapporo, programme, data)
    assert result.errors == [] and result.changed == 0
    assert PlanEntry.history.count() == history
    desk.refresh_from_db()
    assert desk.completion[str(item(desk, "窓口の数").pk)] == "3.50"  # 3.5 means the same


def test_done_row_with_its_answers_is_saved(alice, plan, sapporo, programme):
    desk = entry(sapporo, "A", "相談窓口の設置")
    data = export(sapporo, programme)
    row = row_of(data, desk.pk)
    changed = edit(
        data,
        {
            **finish(desk, row),
            (row, column_of(data, "完了時: 窓口の設置日")): "2015/06/30",
            (row, column_of(data, "完了時: 窓口の数")): 2,
        },
    )
    result = run(alice, sapporo, programme, changed)
    assert result.errors == [] and result.changed == 1
    desk.refresh_from_db()
    assert desk.status == "done" and desk.version == 2
    assert desk.completion == {
        str(item(desk, "窓口の設置日").pk): "2015-06-30",
        str(item(desk, "窓口の数").pk): "2",
    }


def test_yes_no_and_excel_dates_are_read(alice, plan, sapporo, programme):
    change, safety = (
        entry(sapporo, "B", "住民票記載事項の追加"),
        entry(sapporo, "H", "安全管理措置の実施"),
    )
    data = export(sapporo, programme)
    first, second = row_of(data, change.pk), row_of(data, safety.pk)
    changed = edit(
        data,
        {
            **finish(change, first),
            (first, column_of(data, "完了時: 本番環境での動作確認")): "はい",
            **finish(safety, second),
            (second, column_of(data, "完了時: 取扱規程の策定")): "いいえ",
        },
    )
    assert run(alice, sapporo, programme, changed).changed == 2
    assert PlanEntry.objects.get(pk=change.pk).completion == {
        str(item(change, "本番環境での動作確認").pk): "yes"
    }
    assert PlanEntry.objects.get(pk=safety.pk).completion == {
        str(item(safety, "取扱規程の策定").pk): "no"
    }


def test_missing_required_answer_is_marked_on_its_cell(alice, plan, sapporo, programme):
    desk = entry(sapporo, "A", "相談窓口の設置")
    data = export(sapporo, programme)
    row, column = row_of(data, desk.pk), column_of(data, "完了時: 窓口の設置日")
    result = run(alice, sapporo, programme, edit(data, finish(desk, row)))
    message = "完了にするには「窓口の設置日」を入力してください。"
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (row, f"c_{item(desk, '窓口の設置日').pk}", message)
    ]
    assert PlanEntry.objects.get(pk=desk.pk).status == "not_started"
    marked = load_workbook(io.BytesIO(result.marked))
    cell = marked[excel.SHEET].cell(row, column)
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and message in cell.comment.text
    listing = list(marked[excel.ERROR_SHEET].iter_rows(min_row=2, values_only=True))
    assert listing == [("計画", row, "O", "完了時: 窓口の設置日", message)]


BAD_ANSWERS = {  # (work item, task, item, cell, message)
    "date": (
        "A",
        "相談窓口の設置",
        "窓口の設置日",
        "2015/13/40",
        ": 日付は 2015/07/09 の形で、実在する日付を入力してください。",
    ),
    "number": ("A", "相談窓口の設置", "窓口の数", "たくさん", ": 数値で入力してください。"),
    "yes-no": (
        "B",
        "住民票記載事項の追加",
        "本番環境での動作確認",
        "たぶん",
        ": 「はい」か「いいえ」を選んでください。",
    ),
    "choice": (
        "B",
        "住民票記載事項の追加",
        "改修の方法",
        "外注",
        ": 選択肢の中から選んでください。",
    ),
}


@pytest.mark.parametrize(
    ("code", "task", "label", "value", "says"), BAD_ANSWERS.values(), ids=list(BAD_ANSWERS)
)
def test_bad_answer_is_marked_on_its_cell(
    alice, plan, sapporo, programme, code, task, label, value, says
):
    target = entry(sapporo, code, task)
    data = export(sapporo, programme)
    row, column = row_of(data, target.pk), column_of(data, f"完了時: {label}")
    result = run(alice, sapporo, programme, edit(data, {(row, column): value}))
    assert [(e.row, e.number, e.message) for e in result.errors] == [
        (row, column, f"「{label}」{says}")
    ]
    shown = result.errors[0].as_dict()
    assert (shown["column"], shown["title"]) == (get_column_letter(column), f"完了時: {label}")
    assert PlanEntry.objects.get(pk=target.pk).completion == {}


def test_done_row_reports_each_answer_once(alice, plan, sapporo, programme):
    training = entry(sapporo, "E", "研修実施")
    data = export(sapporo, programme)
    row = row_of(data, training.pk)
    changed = edit(
        data, {**finish(training, row), (row, column_of(data, "完了時: 受講者数")): "十人"}
    )
    result = run(alice, sapporo, programme, changed)
    assert sorted((e.title, e.message) for e in result.errors) == [
        ("完了時: 受講者数", "「受講者数」: 数値で入力してください。"),
        ("完了時: 研修の実施日", "完了にするには「研修の実施日」を入力してください。"),
    ]


def test_answer_on_a_row_without_the_item_is_refused(alice, plan, sapporo, programme):
    publicity = entry(sapporo, "A", "住民への広報活動")
    data = export(sapporo, programme)
    row, column = row_of(data, publicity.pk), column_of(data, "完了時: 窓口の設置日")
    result = run(alice, sapporo, programme, edit(data, {(row, column): dt.datetime(2015, 6, 30)}))
    assert [(e.row, e.number, e.message) for e in result.errors] == [
        (row, column, "このタスクには「窓口の設置日」の項目はありません。空欄にしてください。")
    ]
    assert PlanEntry.objects.get(pk=publicity.pk).completion == {}


def test_emptied_answer_cell_removes_only_that_answer(alice, plan, sapporo, programme):
    desk = entry(sapporo, "A", "相談窓口の設置")
    answer(alice, desk, {"窓口の設置日": "2015-06-30", "窓口の数": "3"})
    data = export(sapporo, programme)
    changed = edit(data, {(row_of(data, desk.pk), column_of(data, "完了時: 窓口の数")): None})
    assert run(alice, sapporo, programme, changed).changed == 1
    desk.refresh_from_db()
    assert desk.completion == {str(item(desk, "窓口の設置日").pk): "2015-06-30"}


def test_formula_in_an_answer_cell_is_refused(alice, plan, sapporo, programme):
    desk = entry(sapporo, "A", "相談窓口の設置")
    data = export(sapporo, programme)
    row, column = row_of(data, desk.pk), column_of(data, "完了時: 窓口の数")
    result = run(alice, sapporo, programme, edit(data, {(row, column): "=1+1"}))
    assert [(e.number, e.message) for e in result.errors] == [
        (column, "数式は使えません。値を入力してください。")
    ]


def test_text_answers_cannot_run_as_formulas(alice, plan, sapporo, programme):
    target = entry(sapporo, "J", "議会提案")
    text = CompletionItemFactory(task=target.task, label="備考")
    PlanEntry.objects.filter(pk=target.pk).update(completion={str(text.pk): '=HYPERLINK("x")'})
    data = export(sapporo, programme)
    cell = load_workbook(io.BytesIO(data))[excel.SHEET].cell(
        row_of(data, target.pk), column_of(data, "完了時: 備考")
    )
    assert cell.data_type == "s" and cell.quotePrefix
    assert run(alice, sapporo, programme, data).changed == 0


def test_sheet_whose_items_changed_since_download_is_refused(alice, plan, sapporo, programme):
    data = export(sapporo, programme)
    task = entry(sapporo, "J", "議会提案").task
    CompletionItemFactory(task=task, label="議決日", kind=CompletionItem.Kind.DATE)
    with pytest.raises(
        excel.UploadRefused, match="ダウンロードした後に完了時の入力項目が変わりました"
    ):
        run(alice, sapporo, programme, data)


def test_moved_completion_columns_are_refused(alice, plan, sapporo, programme):
    book = load_workbook(io.BytesIO(export(sapporo, programme)))
    book[excel.SHEET].insert_cols(len(excel.COLUMNS) + 1)
    moved = io.BytesIO()
    book.save(moved)
    with pytest.raises(excel.UploadRefused, match=str(excel_items.MOVED)):
        run(alice, sapporo, programme, moved.getvalue())


def without_completion_columns(data: bytes) -> bytes:
    """The sheet as it was downloaded before it had completion columns."""
    book = load_workbook(io.BytesIO(data))
    book[excel.SHEET].delete_cols(len(excel.COLUMNS) + 1, 100)
    meta = book[excel.META_SHEET]
    meta.delete_rows(3, meta.max_row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_file_without_completion_columns_leaves_answers_alone(alice, plan, sapporo, programme):
    desk = entry(sapporo, "A", "相談窓口の設置")
    answer(alice, desk, {"窓口の設置日": "2015-06-30"})
    publicity = entry(sapporo, "A", "住民への広報活動")
    old = without_completion_columns(export(sapporo, programme))
    assert run(alice, sapporo, programme, old).changed == 0
    changed = edit(old, {(row_of(old, desk.pk), "remarks"): "旧ファイルから"})
    assert run(alice, sapporo, programme, changed).changed == 1
    desk.refresh_from_db()
    assert desk.remarks == "旧ファイルから" and desk.completion  # answers kept
    # Another done row needs an answer the old file cannot give: it says where to get one.
    change = entry(sapporo, "B", "住民票記載事項の追加")
    old = without_completion_columns(export(sapporo, programme))
    result = run(alice, sapporo, programme, edit(old, finish(change, row_of(old, change.pk))))
    assert [e.column for e in result.errors] == ["status"]
    assert "最新のファイルをダウンロードしてください" in result.errors[0].message
    assert "計画画面で入力" not in result.errors[0].message
    assert PlanEntry.objects.get(pk=publicity.pk).version == 1


def test_stray_columns_without_a_record_are_refused(alice, plan, sapporo, programme):
    book = load_workbook(io.BytesIO(export(sapporo, programme)))
    meta = book[excel.META_SHEET]
    meta.delete_rows(3, meta.max_row)  # the columns stay, the record of their items is gone
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(excel.UploadRefused, match=str(excel_items.MOVED)):
        run(alice, sapporo, programme, out.getvalue())


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
    client,
    alice,
    plan,
    sapporo,
    programme,
    monkeypatch,
    settings,
    django_capture_on_commit_callbacks,
):
    client.force_login(alice)
    queued = []
    settings.IMPORT_INLINE_MAX_ROWS = 0
    monkeypatch.setattr(
        tasks.import_plan, "apply_async", lambda args, **kwargs: queued.extend(args)
    )
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

    plan_signals.entry_saved.connect(receiver)
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
        plan_signals.entry_saved.disconnect(receiver)
    assert heard == [sorted([first.pk, second.pk]), [first.pk]]


def test_upload_page_lists_an_answer_error_by_its_column(client, alice, plan, sapporo, programme):
    client.force_login(alice)
    desk = entry(sapporo, "A", "相談窓口の設置")
    data = client.get(reverse("actionplan:plan_xlsx", args=[sapporo.code])).content
    row = row_of(data, desk.pk)
    response = upload(client, sapporo, edit(data, finish(desk, row)))
    job = ImportJob.objects.get()
    assert job.state == "failed" and job.errors == [
        {
            "row": row,
            "column": "O",
            "title": "完了時: 窓口の設置日",
            "message": "完了にするには「窓口の設置日」を入力してください。",
        }
    ]
    page = client.get(response["Location"]).content.decode()
    assert "O 完了時: 窓口の設置日" in page
    done = edit(
        data, {**finish(desk, row), (row, column_of(data, "完了時: 窓口の設置日")): "2015/06/30"}
    )
    upload(client, sapporo, done)
    assert ImportJob.objects.latest("pk").changed == 1
    assert PlanEntry.objects.get(pk=desk.pk).status == "done"
