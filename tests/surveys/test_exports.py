"""The results workbook (built by the worker, with progress) and the CSV."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from surveys import answering, exports, services
from surveys.models import ResultsJob
from tests.factories import QuestionFactory, ResultsJobFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(world):
    survey = SurveyFactory(issuer=world["mhlw"], title="調査")
    number = QuestionFactory(survey=survey, kind="number", text="職員数", unit="人")
    formula = QuestionFactory(survey=survey, kind="short_text", text="備考")
    table = QuestionFactory(
        survey=survey,
        kind="table",
        text="システム",
        columns=[{"label": "名称", "kind": "short_text"}, {"label": "台数", "kind": "number"}],
    )
    services.publish(survey, actor=world["reviewer"])
    for user, people in ((world["staff"], "12"), (world["hakodate_staff"], "3.5")):
        response = survey.responses.get(organization=user.organization)
        answering.save_answers(
            response,
            {number.pk: people, formula.pk: "=1+1", table.pk: [["住基", "2"], ["税", "1"]]},
            actor=user,
            submit=True,
        )
    return survey


def test_the_workbook_job_builds_one_row_per_organisation_and_table_sheets(world, answered, client):
    client.force_login(world["reviewer"])
    response = client.post(f"/surveys/{answered.pk}/results.xlsx")
    job = ResultsJob.objects.get()
    assert response.url == f"/surveys/{answered.pk}/results/jobs/{job.pk}/"
    assert job.state == "done" and job.percent == 100  # in-process: the task ran at once
    download = client.get(f"{response.url}?download=1")
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["回答", "表1"]
    rows = list(book["回答"].iter_rows(values_only=True))
    assert rows[0][:3] == ("団体コード", "都道府県", "団体名")
    assert rows[0][6:] == ("職員数", "備考")
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"011002", "012025", "022012"}
    assert by_code["011002"][6] == 12 and by_code["012025"][6] == 3.5
    assert by_code["011002"][7] == "=1+1"  # text, never a formula
    assert book["回答"]["H2"].data_type == "s"
    assert by_code["022012"][3] == "未着手"
    table = list(book["表1"].iter_rows(values_only=True))
    assert table[1] == ("011002", "札幌市", 1, "住基", 2)
    assert len(table) == 5


def test_another_persons_job_is_404(world, answered, client):
    job = ResultsJobFactory(user=world["coordinator"], survey=answered)
    client.force_login(world["reviewer"])
    assert client.get(f"/surveys/{answered.pk}/results/jobs/{job.pk}/").status_code == 404


def test_csv_guards_formulas_and_has_a_bom(world, answered, client):
    client.force_login(world["reviewer"])
    response = client.get(f"/surveys/{answered.pk}/results.csv")
    assert response.streaming  # written while it is sent
    data = b"".join(response.streaming_content).decode("utf-8")
    assert data.startswith("\ufeff団体コード")
    assert "'=1+1" in data and "2行" in data


def test_a_second_run_of_the_job_changes_nothing(world, answered):
    job = ResultsJobFactory(user=world["reviewer"], survey=answered)
    exports.run_job(job.pk)
    job.refresh_from_db()
    first = bytes(job.result)
    exports.run_job(job.pk)  # already done: not claimed again
    job.refresh_from_db()
    assert bytes(job.result) == first and job.state == "done"


def csv_rows(client, survey, **query) -> list[list[str]]:
    import csv

    response = client.get(f"/surveys/{survey.pk}/results.csv", query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def chosen(world):
    """札幌市 chose 委託 on 2015/07/01 (Tokyo) and changed to 直営 later; 函館市 chose 直営."""
    import datetime as dt

    import time_machine

    survey = SurveyFactory(
        issuer=world["mhlw"], opens_on=dt.date(2015, 6, 1), closes_on=dt.date(2099, 12, 31)
    )
    way = QuestionFactory(survey=survey, kind="single", text="方式", choices="委託\n直営")
    services.publish(survey, actor=world["reviewer"])
    sapporo = survey.responses.get(organization=world["sapporo"])
    hakodate = survey.responses.get(organization=world["hakodate"])
    tokyo = dt.timezone(dt.timedelta(hours=9))
    with time_machine.travel(dt.datetime(2015, 7, 1, 10, 0, tzinfo=tokyo), tick=False):
        answering.save_answers(sapporo, {way.pk: "委託"}, actor=world["staff"], submit=True)
    answering.save_answers(sapporo, {way.pk: "直営"}, actor=world["staff"], submit=True)
    answering.save_answers(hakodate, {way.pk: "直営"}, actor=world["hakodate_staff"], submit=True)
    return survey, way


def test_csv_keeps_the_pages_filters_and_as_of(world, chosen, client):
    survey, way = chosen
    client.force_login(world["reviewer"])
    rows = csv_rows(client, survey)
    assert rows[0][-1] == "方式" and [row[0] for row in rows[1:]] == ["011002", "012025"]
    assert [row[-1] for row in rows[1:]] == ["直営", "直営"]
    assert [row[0] for row in csv_rows(client, survey, answer=f"{way.pk}:委託")] == ["団体コード"]
    then = csv_rows(client, survey, as_of="2015/07/01")
    assert [(row[0], row[3], row[4], row[-1]) for row in then[1:]] == [
        ("011002", "提出済み", "2015/07/01 10:00", "委託")
    ]
    assert [row[0] for row in csv_rows(client, survey, prefecture="010006", **{"class": "core"})][
        1:
    ] == ["012025"]
    page = client.get(f"/surveys/{survey.pk}/results/", {"prefecture": "010006", "page": "1"})
    assert f'href="/surveys/{survey.pk}/results.csv?prefecture=010006"' in page.content.decode()


def test_csv_with_filters_is_404_to_an_outsider(world, chosen, client):
    survey, way = chosen
    for outsider in ("aomori_staff", "staff", "pref_admin"):
        client.force_login(world[outsider])
        url = f"/surveys/{survey.pk}/results.csv"
        assert client.get(url, {"answer": f"{way.pk}:直営"}).status_code == 404, outsider
        assert client.get(f"/surveys/{survey.pk}/results/").status_code == 404, outsider
