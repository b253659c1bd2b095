"""What the browser journey (tests/browser/test_surveys_journey.py) found missing on the
survey desk's pages, each fixed and held here."""

from __future__ import annotations

import pytest

from surveys import services
from tests.factories import QuestionFactory, SurveyFactory
from tests.surveys.test_sheets import filled, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world):
    survey = SurveyFactory(issuer=world["mhlw"], title="調査", via_prefectures=True)
    QuestionFactory(survey=survey, kind="single", text="方式", choices="直営\n委託")
    QuestionFactory(survey=survey, kind="number", text="人数", unit="人", min_value=0, max_value=10)
    services.publish(survey, actor=world["reviewer"])
    return survey


def test_a_refused_upload_names_each_wrong_answer_on_the_page(world, survey, client):
    """The page said only "誤りが1件あります" and sent the person to a workbook to find it."""
    client.force_login(world["staff"])
    data = filled(client, survey, "011002", {"方式": "直営", "人数": 11})
    page = client.get(upload(client, survey, "011002", data).url).content.decode()
    assert "<li>2. 人数: 0人以上10人以下の数値を入力してください。</li>" in page
    assert "errors.xlsx" in page
    # The list is the uploader's own: another person of the organisation does not see it.
    client.force_login(world["manager"])
    other = client.get(f"/surveys/{survey.pk}/answers/011002/?marked=1").content.decode()
    assert "0人以上10人以下" not in other


def test_the_prefecture_gets_back_to_its_relay_from_a_municipalitys_answer(world, survey, client):
    """After sending an answer back the prefecture had no way back to its list but through
    the survey's page."""
    relay = f'href="/surveys/{survey.pk}/relay/"'
    client.force_login(world["pref_admin"])
    assert relay in client.get(f"/surveys/{survey.pk}/answers/011002/").content.decode()
    client.force_login(world["staff"])  # the municipality itself relays nothing
    assert relay not in client.get(f"/surveys/{survey.pk}/answers/011002/").content.decode()


def test_the_relay_actions_come_before_the_list_of_municipalities(world, survey, client):
    """北海道 has 179 municipalities: the reminder, the 取りまとめ and the workbook were below
    179 rows, a long scroll from the count that says what to do."""
    client.force_login(world["pref_admin"])
    page = client.get(f"/surveys/{survey.pk}/relay/").content.decode()
    table = page.index("<h2>管内の団体</h2>")
    assert page.index("未提出の団体に督促する") < table
    assert page.index("取りまとめを確定する") < table
    assert page.index("取りまとめ用のExcel様式をダウンロード") < table
    assert page.index("/answers/011002/") > table


def test_the_survey_form_asks_who_then_how_then_when(world):
    """The codes and classes of 照会先 came after the dates, apart from the choice they
    complete."""
    from surveys.forms import SurveyForm

    assert list(SurveyForm().fields)[:8] == [
        "title",
        "purpose",
        "audience",
        "organization_codes",
        "audience_class_list",
        "via_prefectures",
        "opens_on",
        "closes_on",
    ]
