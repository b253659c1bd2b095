"""The prefecture's one workbook for all its municipalities: every filled row submitted for
its municipality, or nothing; blank rows untouched; errors marked; other workbooks refused."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from surveys import answering, batch_sheets, services
from surveys.models import Response
from tests.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world):
    survey = SurveyFactory(issuer=world["mhlw"], via_prefectures=True)
    QuestionFactory(survey=survey, kind="yes_no", text="設置", required=True)
    QuestionFactory(survey=survey, kind="number", text="人数", min_value=0, max_value=10)
    services.publish(survey, actor=world["reviewer"])
    return survey


def workbook(client, survey, rows: dict) -> bytes:
    data = client.get(f"/surveys/{survey.pk}/relay/template.xlsx").content
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    for row in range(batch_sheets.FIRST_ROW, sheet.max_row + 1):
        code = sheet.cell(row=row, column=1).value
        for column, value in enumerate(rows.get(code, ()), start=3):
            sheet.cell(row=row, column=column, value=value)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def send(client, survey, data):
    return client.post(
        f"/surveys/{survey.pk}/relay/upload", {"file": SimpleUploadedFile("取りまとめ.xlsx", data)}
    )


def test_the_prefecture_submits_its_municipalities_in_one_workbook(world, survey, client):
    client.force_login(world["pref_admin"])
    data = workbook(client, survey, {"011002": ("はい", 3)})  # 函館市's row left blank
    assert load_workbook(io.BytesIO(data)).worksheets[0]["A4"].value == "012025"
    send(client, survey, data)
    sapporo = Response.objects.get(survey=survey, organization=world["sapporo"])
    hakodate = Response.objects.get(survey=survey, organization=world["hakodate"])
    assert (sapporo.status, sapporo.submitted_by) == ("submitted", world["pref_admin"])
    assert hakodate.status == "not_started"


def test_one_bad_row_saves_no_row_and_comes_back_marked(world, survey, client):
    client.force_login(world["pref_admin"])
    data = workbook(client, survey, {"011002": ("はい", 3), "012025": ("はい", 11)})
    page = send(client, survey, data)
    assert page.url.endswith("?marked=1")
    assert not Response.objects.filter(survey=survey, status="submitted").exists()
    marked = client.get(f"/surveys/{survey.pk}/relay/errors.xlsx")
    sheet = load_workbook(io.BytesIO(marked.content)).worksheets[0]
    assert sheet["D4"].comment.text == "0以上10以下の数値を入力してください。"
    assert sheet["D3"].comment is None


def test_another_prefectures_workbook_is_refused(world, survey, client):
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role
    from tests.factories import UserFactory

    aomori_admin = UserFactory(organization=world["aomori_pref"], role=Role.PREFECTURE_ADMIN)
    enrol_demo_totp(aomori_admin)
    client.force_login(aomori_admin)
    theirs = workbook(client, survey, {"022012": ("はい", 1)})
    client.force_login(world["pref_admin"])
    page = send(client, survey, theirs)
    assert "別の都道府県の様式です。" in client.get(page.url).content.decode()
    assert not Response.objects.filter(survey=survey, status="submitted").exists()


def test_a_submitted_row_left_as_it_was_stays_the_municipalitys_own(world, survey, client):
    """The template shows what each municipality submitted: uploaded back unchanged, that row
    is no new submission by the prefecture (same revision, same submitter); a changed row is."""
    sapporo = Response.objects.get(survey=survey, organization=world["sapporo"])
    hakodate = Response.objects.get(survey=survey, organization=world["hakodate"])
    questions = list(survey.questions.all())
    for response, user in ((sapporo, world["staff"]), (hakodate, world["hakodate_staff"])):
        answering.save_answers(
            response, {questions[0].pk: "はい", questions[1].pk: "4"}, actor=user, submit=True
        )
    client.force_login(world["pref_admin"])
    data = workbook(client, survey, {"012025": ("はい", 5)})  # 札幌市's row as downloaded
    page = send(client, survey, data)
    assert "1団体の回答を取り込み、提出しました。" in client.get(page.url).content.decode()
    sapporo.refresh_from_db()
    hakodate.refresh_from_db()
    assert (sapporo.revision, sapporo.submitted_by) == (1, world["staff"])
    assert (hakodate.revision, hakodate.submitted_by) == (2, world["pref_admin"])
