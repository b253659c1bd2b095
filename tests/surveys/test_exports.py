"""The results workbook (built by the worker, with progress) and the CSV."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from surveys import exports, services
from surveys.models import ResultsJob
from tests.factories import QuestionFactory, SurveyFactory

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
        services.save_answers(
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
    job = ResultsJob.objects.create(user=world["coordinator"], survey=answered)
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
    job = ResultsJob.objects.create(user=world["reviewer"], survey=answered)
    exports.run_job(job.pk)
    job.refresh_from_db()
    first = bytes(job.result)
    exports.run_job(job.pk)  # already done: not claimed again
    job.refresh_from_db()
    assert bytes(job.result) == first and job.state == "done"
