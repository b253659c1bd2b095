"""Completion items of the survey desk's kinds, end to end: the plan row form, the plan sheet
(drop-downs, a range, a multiple choice), a programme definition and the kinds' migration; and
answers stored in the old formats read, shown and saved back unchanged."""

from __future__ import annotations

import copy
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from actionplan import definition, entry_history, excel, seed, services
from actionplan.models import CompletionItem, PlanEntry
from tests.actionplan.conftest import ON, entry
from tests.actionplan.test_excel import column_of, edit, export, finish, item, row_of, run
from tests.actionplan.test_views import HX, edit_data, url
from tests.factories import CompletionItemFactory

D = dt.date
DONE = {
    "actual_start": "2015-04-01",
    "actual_end": "2015-06-30",
    "status": "done",
    "progress": "100",
}


@pytest.fixture
def training(plan, sapporo):
    """E 研修実施 with two more items: a number with a unit and a range, a multiple choice."""
    target = entry(sapporo, "E", "研修実施")
    CompletionItemFactory(
        task=target.task,
        label="研修の回数",
        kind=CompletionItem.Kind.NUMBER,
        unit="回",
        min_value=Decimal(1),
        max_value=Decimal(10),
        order=5,
    )
    CompletionItemFactory(
        task=target.task,
        label="対象の業務",
        kind=CompletionItem.Kind.MULTIPLE,
        choices="住基\n税\n福祉",
        required=False,
        order=6,
    )
    return target


def answers_of(target: PlanEntry) -> dict[str, object]:
    """{label: stored answer} of ``target`` as saved."""
    target.refresh_from_db()
    labels = {str(i.pk): i.label for i in target.task.completion_items.all()}
    return {labels[key]: value for key, value in target.completion.items()}


# --- The plan row form --------------------------------------------------------------------


def test_the_form_saves_a_range_and_a_multiple_choice(client, alice, training, sapporo):
    client.force_login(alice)
    count, scope = item(training, "研修の回数"), item(training, "対象の業務")
    form = client.get(url("entry_edit", sapporo, training.pk), **HX).content.decode()
    assert "研修の回数（回）" in form
    assert f'<input type="checkbox" name="c_{scope.pk}" value="税"' in form
    data = edit_data(training, **DONE)
    data |= {
        f"c_{item(training, '研修の実施日').pk}": "2015-06-20",
        f"c_{item(training, '受講者数').pk}": "２４",
        f"c_{count.pk}": "11",
        f"c_{scope.pk}": ["福祉", "住基"],
    }
    body = client.post(url("entry_edit", sapporo, training.pk), data, **HX).content.decode()
    assert f'id="id_c_{count.pk}-error">1回以上10回以下の数値を入力してください。' in body
    assert PlanEntry.objects.get(pk=training.pk).version == 1
    data |= {f"c_{count.pk}": "3", "version": "1"}
    body = client.post(url("entry_edit", sapporo, training.pk), data, **HX).content.decode()
    assert "保存しました。" in body
    assert answers_of(training) == {
        "研修の実施日": "2015-06-20",
        "受講者数": "24",
        "研修の回数": "3",
        "対象の業務": ["住基", "福祉"],  # in the offered order
    }
    assert "<dd>住基、福祉</dd>" in body and "<dd>2015/06/20</dd>" in body


def test_old_answers_show_and_save_back_unchanged(client, alice, plan, sapporo):
    """Answers stored before the shared kinds ("yes", the choice's text, an ISO date, a number
    as text): the row shows them as before, the form offers them selected, and saving the form
    as it comes stores the same values."""
    change = entry(sapporo, "B", "住民票記載事項の追加")
    check, method = item(change, "本番環境での動作確認"), item(change, "改修の方法")
    old = {str(check.pk): "yes", str(method.pk): "個別改修"}
    PlanEntry.objects.filter(pk=change.pk).update(
        status="done", actual_start=D(2015, 4, 1), actual_end=D(2015, 6, 30), completion=old
    )
    client.force_login(alice)
    row = client.get(url("entry_row", sapporo, change.pk), **HX).content.decode()
    assert "<dd>はい</dd>" in row and "<dd>個別改修</dd>" in row
    form = client.get(url("entry_edit", sapporo, change.pk), **HX).content.decode()
    assert '<option value="yes" selected>' in form
    assert '<option value="個別改修" selected>' in form
    data = edit_data(change, **DONE, remarks="確認済み")
    data |= {f"c_{check.pk}": "yes", f"c_{method.pk}": "個別改修"}
    body = client.post(url("entry_edit", sapporo, change.pk), data, **HX).content.decode()
    assert "保存しました。" in body
    change.refresh_from_db()
    assert change.completion == old and change.remarks == "確認済み"


# --- The plan sheet -----------------------------------------------------------------------


def test_the_sheet_checks_a_range_and_notes_a_multiple_choice(training, sapporo, programme):
    data = export(sapporo, programme)
    sheet = load_workbook(io.BytesIO(data))[excel.SHEET]
    row = row_of(data, training.pk)
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}

    def at(title: str):
        return validations[f"{get_column_letter(column_of(data, f'完了時: {title}'))}{row}"]

    count = at("研修の回数")
    assert (count.type, count.formula1, count.formula2) == ("decimal", "1", "10")
    assert "1回以上10回以下の数値を入力してください。" in count.prompt
    scope = at("対象の業務")
    assert scope.type is None and "「、」で区切って入力してください: 住基／税／福祉" in scope.prompt


def test_the_sheet_reads_a_multiple_choice_and_an_unchanged_one_changes_nothing(
    alice, training, sapporo, programme
):
    data = export(sapporo, programme)
    row = row_of(data, training.pk)
    cells = {
        "研修の実施日": "2015/06/20",
        "受講者数": 24,
        "研修の回数": 2,
        "対象の業務": "税、住基",
    }
    changed = edit(
        data,
        {
            **finish(training, row),
            **{(row, column_of(data, f"完了時: {k}")): v for k, v in cells.items()},
        },
    )
    result = run(alice, sapporo, programme, changed)
    assert result.errors == [] and result.changed == 1
    assert answers_of(training) == {
        "研修の実施日": "2015-06-20",
        "受講者数": "24",
        "研修の回数": "2",
        "対象の業務": ["住基", "税"],
    }
    again = export(sapporo, programme)
    sheet = load_workbook(io.BytesIO(again))[excel.SHEET]
    assert sheet.cell(row, column_of(again, "完了時: 対象の業務")).value == "住基、税"
    history = PlanEntry.history.count()
    assert run(alice, sapporo, programme, again).changed == 0
    assert PlanEntry.history.count() == history


def test_the_sheet_refuses_a_number_out_of_range(alice, training, sapporo, programme):
    data = export(sapporo, programme)
    row, column = row_of(data, training.pk), column_of(data, "完了時: 研修の回数")
    result = run(alice, sapporo, programme, edit(data, {(row, column): 12}))
    assert [(e.row, e.number, e.message) for e in result.errors] == [
        (row, column, "「研修の回数」: 1回以上10回以下の数値を入力してください。")
    ]


# --- A programme definition ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_definition_carries_the_new_kinds_and_reads_the_old_names():
    spec = copy.deepcopy(seed.definition())  # its lists are the seed's own
    training = next(
        task
        for work_item in spec["work_items"]
        for task in work_item["tasks"]
        if task["name"] == "研修実施"
    )
    training["completion_items"].append(
        {
            "label": "研修の回数",
            "kind": "number",
            "unit": "回",
            "min_value": Decimal(1),
            "max_value": Decimal("10.5"),
        }
    )
    training["completion_items"].append(
        {"label": "対象の業務", "kind": "multiple", "required": False, "choices": ["住基", "税"]}
    )
    book = load_workbook(io.BytesIO(definition.workbook(spec)))
    sheet = book["完了項目"]
    kinds = {row[2].value: row[3] for row in sheet.iter_rows(min_row=2)}
    kinds["改修の方法"].value = "選択"  # an older template's names
    kinds["受講者数"].value = "文章"
    kinds["研修の実施日"].value = "日付"
    book["プログラム"]["B2"] = "標準化 2021"
    out = io.BytesIO()
    book.save(out)
    read = definition.read(out.getvalue())
    items = {
        question["label"]: question
        for work_item in read["work_items"]
        for task in work_item["tasks"]
        for question in task["completion_items"]
    }
    assert items["改修の方法"]["kind"] == "single"
    assert items["受講者数"]["kind"] == "long_text"
    assert items["研修の実施日"]["kind"] == "date"
    assert items["本番環境での動作確認"]["kind"] == "yes_no"
    count = items["研修の回数"]
    assert (count["unit"], count["min_value"], count["max_value"]) == (
        "回",
        Decimal(1),
        Decimal("10.5"),
    )
    assert items["対象の業務"]["kind"] == "multiple"
    programme = services.load_programme(read)
    saved = CompletionItem.objects.get(task__work_item__programme=programme, label="研修の回数")
    assert (saved.kind, saved.unit, saved.max_value) == ("number", "回", Decimal("10.5"))


@pytest.mark.django_db
def test_a_definition_with_a_bad_item_names_its_row():
    book = load_workbook(io.BytesIO(definition.workbook(seed.definition())))
    sheet = book["完了項目"]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[2].value == "改修の方法")
    row[5].value = None  # a choice without choices
    row[7].value = "10"
    row[8].value = "あ"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(definition.DefinitionError) as raised:
        definition.read(out.getvalue())
    where = f"シート「完了項目」{row[0].row}行目"
    assert raised.value.problems == [
        f"{where}: 数値で入力してください。",
        f"{where}: 選択肢を1つ以上、1行に1つずつ入力してください。",
    ]


# --- The kinds' migration -----------------------------------------------------------------

BEFORE, AFTER = (
    ("actionplan", "0005_systems_retire"),
    (
        "actionplan",
        "0006_completion_items_question_kinds",
    ),
)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _kinds(apps) -> dict[str, str]:
    items = apps.get_model("actionplan", "CompletionItem").objects
    return dict(items.values_list("label", "kind"))


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_choice_and_text_and_leaves_the_answers():
    apps = _migrate([BEFORE])
    try:
        Programme = apps.get_model("actionplan", "Programme")
        programme = Programme.objects.create(
            name="旧", starts_on=D(2015, 1, 1), ends_on=D(2017, 12, 31), plan_deadline=D(2015, 6, 1)
        )
        work_item = apps.get_model("actionplan", "WorkItem").objects.create(
            programme=programme, code="A", name="作業"
        )
        task = apps.get_model("actionplan", "Task").objects.create(work_item=work_item, name="t")
        Item = apps.get_model("actionplan", "CompletionItem")
        for kind in ("choice", "text", "date", "number", "yes_no"):
            Item.objects.create(task=task, label=kind, kind=kind, choices="a\nb")
        apps = _migrate([AFTER])
        kinds = _kinds(apps)
        assert kinds == {
            "choice": "single",
            "text": "long_text",
            "date": "date",
            "number": "number",
            "yes_no": "yes_no",
        }
        apps = _migrate([BEFORE])
        kinds = _kinds(apps)
        assert kinds["choice"] == "choice" and kinds["text"] == "text"
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_history_shows_answers_as_the_row_does(alice, training):
    scope, check = item(training, "対象の業務"), item(training, "研修の実施日")
    data = {"status": "in_progress", "actual_start": D(2015, 4, 1)}
    completion = {str(scope.pk): ["住基", "福祉"], str(check.pk): "2015-06-20"}
    services.save_entry(alice, training.pk, {**data, "completion": completion}, 1, on=ON)
    training.refresh_from_db()
    fields = [field for change in entry_history.history(training) for field in change["fields"]]
    answers = next(after for label, _before, after in fields if label == "完了時の入力項目")
    # (the keys' order is the database's: jsonb sorts them)
    assert "研修の実施日: 2015/06/20" in answers and "対象の業務: 住基、福祉" in answers
