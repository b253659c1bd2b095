"""The English UI (language cookie ``en``): plan errors and warnings, 「必須」, account state
badges, chart legends and the completion-rate formula are English, not left Japanese."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.utils import translation
from openpyxl import load_workbook

from actionplan import definition, excel, excel_import, seed, selectors
from review import rollups
from tests.actionplan.conftest import ON, entry
from tests.actionplan.test_views import HX, edit_data, url
from tests.factories import UserFactory


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_plan_errors_are_english_and_focus_the_field_in_error(english, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    english.force_login(alice)
    body = english.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(target, planned_start="2015-05-01", planned_end="2015-04-01"),
        **HX,
    ).content.decode()
    assert "The planned end date must be on or after the planned start date (2015/05/01)." in body
    assert "計画終了日は" not in body and "入力内容を確認してください" not in body
    # focus goes to the field in error, not to the first field of the form
    assert (
        '<input type="date" name="planned_end" value="2015-04-01" aria-invalid="true" '
        'aria-describedby="id_planned_end-error" autofocus id="id_planned_end">'
    ) in body
    start = (
        '<input type="date" name="planned_start" value="2015-05-01" id="id_planned_start" '
        'aria-describedby="id_planned_start-hint">'  # no autofocus, not invalid: a date hint
    )
    assert start in body


def test_required_badge_and_completion_errors_are_english(english, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    english.force_login(alice)
    body = english.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(
            target,
            planned_start="2015-04-01",
            planned_end="2015-06-30",
            actual_start="2015-04-01",
            actual_end="2015-06-30",
            status="done",
            progress="100",
        ),
        **HX,
    ).content.decode()
    assert '<span class="badge badge--warn">Required</span>' in body
    assert "必須" not in body
    assert "To set the status to “Done”, fill in “本番環境での動作確認”." in body
    assert "完了にするには" not in body


def test_plan_warnings_are_english(english, alice, plan, sapporo):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    english.force_login(alice)
    body = english.post(
        url("entry_edit", sapporo, target.pk),
        edit_data(target, planned_start="2015-04-01", planned_end="2015/10/15"),
        **HX,
    ).content.decode()
    assert "The planned end is 15 days after the milestone (2015/09/30)." in body
    assert "遅れています" not in body
    page = english.get(url("plan", sapporo)).content.decode()
    assert "The planned end is 15 days after the milestone (2015/09/30)." in page


def test_account_state_badges_are_english(english, prefecture_admin, alice):
    from django.utils import timezone

    from accounts.models import User

    User.objects.filter(pk=alice.pk).update(activated_at=timezone.now())
    UserFactory(organization=alice.organization, is_active=False)
    english.force_login(prefecture_admin)
    body = english.get("/manage/accounts/").content.decode()
    assert '<span class="badge badge--ok">Active</span>' in body
    assert '<span class="badge badge--muted">Suspended</span>' in body
    for japanese in ("利用中", "停止中", "発行済（未設定）", "案内の期限切れ"):
        assert japanese not in body


def test_review_legends_and_formula_are_english(english, prefecture_admin, plan):
    english.force_login(prefecture_admin)
    body = english.get("/review/").content.decode()
    assert 'data-legend-rate="Completion rate (%)"' in body
    assert 'data-legend-weighted="Effort-weighted completion rate (%)"' in body
    assert 'data-legend-count="Count"' in body
    assert "Completion rate = (done + not applicable) ÷ applicable plan entries" in body
    for japanese in ("完了率（%）", rollups.FORMULA, rollups.WEIGHTED_FORMULA, "工数の重み"):
        assert japanese not in body


def test_the_formula_shown_in_japanese_is_the_one_computed(client, prefecture_admin, plan):
    """The template carries the formula as translatable text: it must stay rollups' text."""
    client.force_login(prefecture_admin)
    body = client.get("/review/").content.decode()
    assert f"完了率 = {rollups.FORMULA}<br>工数加重完了率 = {rollups.WEIGHTED_FORMULA}" in body
    assert 'data-legend-rate="完了率（%）"' in body


# --- The workbooks in English (issue 14) ----------------------------------------------------
# What an upload reads back (sheet names, headers, はい/いいえ, status labels) stays Japanese in
# every language; what a person reads (notes, error messages) is English.

JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def test_plan_workbook_made_in_english_explains_in_english_and_imports_back(
    alice, plan, sapporo, programme
):
    with translation.override("en"):
        data = excel.export(sapporo, programme, selectors.plan(sapporo, programme).rows)
        book = load_workbook(io.BytesIO(data))
        sheet = book[excel.SHEET]
        headers = [cell.value for cell in sheet[1]]
        assert headers[: len(excel.COLUMNS)] == [column.title for column in excel.COLUMNS]
        assert "完了時: 窓口の設置日" in headers  # the same titles as in Japanese
        validations = list(sheet.data_validations.dataValidation)
        status = next(v for v in validations if v.errorTitle == "Status")
        assert status.error == "Choose the status from the list (未着手, 実施中, 完了, 対象外)."
        dates = next(v for v in validations if v.errorTitle == "Date")
        assert dates.error.startswith("Enter a date from 2015/") and not JAPANESE.search(
            dates.error
        )
        prompt = next(v.prompt for v in validations if v.prompt and "相談窓口の設置" in v.prompt)
        assert prompt.startswith("Required when “相談窓口の設置” is marked done.")
        assert not JAPANESE.search(prompt.replace("相談窓口の設置", "").replace("窓口の設置日", ""))
        result = excel_import.import_plan(alice, sapporo, programme, data, on=ON)
    assert result.errors == [] and result.changed == 0 and result.rows == plan.count()


def test_plan_workbook_errors_are_english(alice, plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    with translation.override("en"):
        data = excel.export(sapporo, programme, selectors.plan(sapporo, programme).rows)
        book = load_workbook(io.BytesIO(data))
        sheet = book[excel.SHEET]
        row = next(
            number
            for number in range(2, sheet.max_row + 1)
            if sheet.cell(row=number, column=1).value == target.pk
        )
        sheet.cell(row=row, column=excel.INDEX["progress"]).value = 120
        out = io.BytesIO()
        book.save(out)
        result = excel_import.import_plan(alice, sapporo, programme, out.getvalue(), on=ON)
    marked = load_workbook(io.BytesIO(result.marked))
    listing = list(marked[excel.ERROR_SHEET].iter_rows(values_only=True))
    assert listing[0] == ("Sheet", "Row", "Column", "Item", "Details")
    assert [row[4] for row in listing[1:]] == ["Enter progress as a whole number from 0 to 100."]


@pytest.mark.django_db
def test_definition_template_made_in_english_reads_back_and_its_errors_are_english():
    with translation.override("en"):
        data = definition.workbook(seed.definition())
        book = load_workbook(io.BytesIO(data))
        assert book.sheetnames == list(definition.SHEETS)  # the same in every language
        assert definition.read(data)["name"] == seed.definition()["name"]
        book["マイルストーン"]["C2"] = "来年"
        book["タスク"]["C2"] = "重い"
        out = io.BytesIO()
        book.save(out)
        with pytest.raises(definition.DefinitionError) as raised:
            definition.read(out.getvalue())
    problems = raised.value.problems
    assert "Sheet “マイルストーン”, row 2: enter the date as 2015/07/09." in problems
    assert any(p.startswith("Sheet “タスク”, row 2: ") for p in problems)
    for problem in problems:
        assert not JAPANESE.search(re.sub(r"“[^”]*”|「[^」]*」", "", problem)), problem
