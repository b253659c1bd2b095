"""What the browser journey (tests/browser/test_surveys_journey.py) found missing on the
survey desk's pages, each fixed and held here."""

from __future__ import annotations

import pytest

from surveys import answering, services
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
    assert page.index("管内のすべての団体が提出すると、取りまとめを確定できます。") < table
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


def test_required_sits_on_the_line_of_its_question(world, client):
    """必須 came after the (block) label, alone on the next line, unlike every other form."""
    survey = SurveyFactory(issuer=world["mhlw"], title="調査")
    question = QuestionFactory(survey=survey, kind="short_text", text="担当部署", required=True)
    services.publish(survey, actor=world["reviewer"])
    client.force_login(world["staff"])
    page = client.get(f"/surveys/{survey.pk}/answers/011002/").content.decode()
    assert (
        f'<label for="q{question.pk}">1. 担当部署 <span class="required">必須</span></label>'
        in page
    )


def test_the_question_form_marks_the_fields_of_one_kind(world, client):
    """A number question was asked for 選択肢 and 表の列, a choice for 単位 and a range: each
    such field now names its kinds, and question_form.js shows it only for them."""
    survey = SurveyFactory(issuer=world["mhlw"], title="調査")
    client.force_login(world["reviewer"])
    page = client.get(f"/surveys/{survey.pk}/questions/new/").content.decode()
    assert "surveys/question_form.js" in page
    assert page.count('<div data-for-kinds="single multiple">') == 1
    assert page.count('<div data-for-kinds="number">') == 3  # 単位, 最小値, 最大値
    assert page.count('<div data-for-kinds="table">') == 1
    wrapped = page.index('<div data-for-kinds="single multiple">')
    assert page.index('name="choices"') > wrapped
    assert page.index('name="text"') < wrapped  # 質問 is for every kind


def test_confirming_is_offered_only_when_it_can_be_done(world, survey, client):
    """「取りまとめを確定する」 stayed the primary button while municipalities had not
    submitted (pressing it only failed) and after the batch was confirmed."""
    confirm = f'action="/surveys/{survey.pk}/relay/confirm"'
    client.force_login(world["pref_admin"])
    assert confirm not in client.get(f"/surveys/{survey.pk}/relay/").content.decode()
    questions = list(survey.questions.all())
    for response in survey.responses.filter(organization__prefecture=world["hokkaido"]):
        answering.save_answers(
            response, {questions[1].pk: "1"}, actor=world["pref_admin"], submit=True
        )
    page = client.get(f"/surveys/{survey.pk}/relay/").content.decode()
    assert confirm in page and "すべての団体が提出すると" not in page
    client.post(f"/surveys/{survey.pk}/relay/confirm")
    page = client.get(f"/surveys/{survey.pk}/relay/").content.decode()
    assert "取りまとめ確定済み" in page and confirm not in page


def test_radio_and_check_box_questions_are_groups_named_by_their_question(world, client):
    """A はい／いいえ or 複数選択 question's label pointed (for=) at no input: its buttons had
    no group and no name but はい and いいえ. Now a fieldset whose legend is the question."""
    survey = SurveyFactory(issuer=world["mhlw"], title="調査")
    yes_no = QuestionFactory(survey=survey, kind="yes_no", text="設置", required=True)
    QuestionFactory(survey=survey, kind="multiple", text="分野", choices="税\n福祉")
    number = QuestionFactory(survey=survey, kind="number", text="人数")
    services.publish(survey, actor=world["reviewer"])
    client.force_login(world["staff"])
    page = client.get(f"/surveys/{survey.pk}/answers/011002/").content.decode()
    assert f'<fieldset class="field" data-question="{yes_no.pk}">' in page
    assert '<legend class="label">1. 設置 <span class="required">必須</span></legend>' in page
    assert '<legend class="label">2. 分野</legend>' in page
    assert f'for="q{yes_no.pk}"' not in page
    assert f'<label for="q{number.pk}">3. 人数</label>' in page
