"""The offline answer: the organisation's template, filled and uploaded back, all or nothing;
another survey's or organisation's workbook refused; errors marked in the returned workbook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from surveys import services, sheets
from surveys.models import Answer, Response
from tests.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world):
    survey = SurveyFactory(issuer=world["mhlw"], title="調査")
    QuestionFactory(survey=survey, kind="yes_no", text="設置", required=True)
    QuestionFactory(survey=survey, kind="number", text="人数", min_value=0, max_value=10)
    QuestionFactory(survey=survey, kind="single", text="方式", choices="直営\n委託")
    QuestionFactory(survey=survey, kind="date", text="設置日")
    QuestionFactory(survey=survey, kind="multiple", text="分野", choices="税\n福祉")
    QuestionFactory(
        survey=survey,
        kind="table",
        text="窓口",
        columns=[{"label": "名称", "kind": "short_text"}, {"label": "人数", "kind": "number"}],
    )
    services.publish(survey, actor=world["reviewer"])
    return survey


def filled(client, survey, code, answers: dict, table=()) -> bytes:
    data = client.get(f"/surveys/{survey.pk}/answers/{code}/template.xlsx").content
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for row in range(sheets.FIRST_ROW, sheet.max_row + 1):
        text = sheet.cell(row=row, column=2).value
        if text in answers:
            sheet.cell(row=row, column=4, value=answers[text])
    for index, cells in enumerate(table):
        for number, value in enumerate(cells, start=2):
            book["表1"].cell(row=sheets.TABLE_FIRST_ROW + index, column=number, value=value)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def upload(client, survey, code, data: bytes, *, submit=True, name="回答.xlsx"):
    return client.post(
        f"/surveys/{survey.pk}/answers/{code}/upload",
        {"file": SimpleUploadedFile(name, data), **({"submit": "on"} if submit else {})},
    )


def test_the_template_has_keys_protection_and_drop_downs(world, survey, client):
    client.force_login(world["staff"])
    data = client.get(f"/surveys/{survey.pk}/answers/011002/template.xlsx").content
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["回答", "表1", "keys"]
    assert book["keys"].sheet_state == "veryHidden"
    sheet = book["回答"]
    assert sheet.protection.sheet is True
    lists = [v.formula1 for v in sheet.data_validations.dataValidation]
    assert '"はい,いいえ"' in lists and '"直営,委託"' in lists
    assert sheet.cell(row=sheets.FIRST_ROW, column=4).protection.locked is False
    assert sheet.cell(row=sheets.FIRST_ROW, column=2).protection.locked is True


def test_a_filled_template_is_saved_and_submitted(world, survey, client):
    client.force_login(world["staff"])
    data = filled(
        client,
        survey,
        "011002",
        {
            "設置": "はい",
            "人数": 4,
            "方式": "委託",
            "設置日": dt.datetime(2015, 7, 9),
            "分野": "税、福祉",
        },
        table=[("本庁", 3), ("支所", 1)],
    )
    assert upload(client, survey, "011002", data).status_code == 302
    response = Response.objects.get(survey=survey, organization=world["sapporo"])
    assert response.status == "submitted"
    values = {a.question.text: a.value for a in Answer.objects.filter(response=response)}
    assert values == {
        "設置": True,
        "人数": "4",
        "方式": "委託",
        "設置日": "2015-07-09",
        "分野": ["税", "福祉"],
        "窓口": [["本庁", "3"], ["支所", "1"]],
    }
    # downloaded again, the template carries the answers
    again = load_workbook(
        io.BytesIO(client.get(f"/surveys/{survey.pk}/answers/011002/template.xlsx").content)
    )
    assert again["回答"].cell(row=sheets.FIRST_ROW, column=4).value == "はい"


def test_bad_answers_save_nothing_and_come_back_marked(world, survey, client):
    client.force_login(world["staff"])
    data = filled(client, survey, "011002", {"設置": "はい", "人数": 11, "方式": "外注"})
    page = upload(client, survey, "011002", data)
    assert page.url.endswith("?marked=1")
    assert not Answer.objects.exists()
    marked = client.get(f"/surveys/{survey.pk}/answers/011002/errors.xlsx")
    sheet = load_workbook(io.BytesIO(marked.content))["回答"]
    errors = {
        sheet.cell(row=r, column=2).value: sheet.cell(row=r, column=5).value
        for r in range(sheets.FIRST_ROW, sheet.max_row + 1)
    }
    assert errors["人数"] == "0以上10以下の数値を入力してください。"
    assert errors["方式"] == "選択肢の中から選んでください。"
    assert errors["設置"] is None
    assert sheet.cell(row=sheets.FIRST_ROW + 1, column=4).value == 11  # as typed
    follow = client.get(page.url)
    assert "誤りが2件あります" in follow.content.decode()


def test_another_organisations_or_surveys_workbook_is_refused(world, survey, client):
    client.force_login(world["hakodate_staff"])
    hakodate = filled(client, survey, "012025", {"設置": "はい"})
    client.force_login(world["staff"])
    page = upload(client, survey, "011002", hakodate)
    assert "別の団体の様式です" in client.get(page.url).content.decode()
    other = SurveyFactory(issuer=world["mhlw"])
    QuestionFactory(survey=other, kind="yes_no", text="設置")
    services.publish(other, actor=world["reviewer"])
    mine = filled(client, survey, "011002", {"設置": "はい"})
    page = upload(client, other, "011002", mine)
    assert "別の照会の様式です" in client.get(page.url).content.decode()
    assert not Answer.objects.exists()


def test_a_file_that_is_no_workbook_is_refused(world, survey, client):
    client.force_login(world["staff"])
    page = upload(client, survey, "011002", b"<html><script>x</script></html>", name="a.xlsx")
    body = client.get(page.url).content.decode()
    assert "message--error" in body
    assert not Answer.objects.exists()
