"""Designing, publishing, answering (drafts, submit, revise, reopen), the relay and tracking,
through the views as the people who do them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from surveys import services
from surveys.models import Answer, Batch, Question, Response, ResultValue, Revision, Survey
from tests.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world):
    """厚生労働省's survey to every municipality via the prefectures, with four questions."""
    survey = SurveyFactory(issuer=world["mhlw"], via_prefectures=True, title="準備状況の調査")
    has = QuestionFactory(survey=survey, kind="yes_no", text="窓口を設置しましたか", required=True)
    QuestionFactory(
        survey=survey,
        kind="number",
        text="職員数",
        unit="人",
        min_value=0,
        max_value=100,
        required=True,
        shown_if=has,
        shown_value="はい",
    )
    QuestionFactory(survey=survey, kind="single", text="方式", choices="委託\n直営")
    QuestionFactory(survey=survey, kind="date", text="設置日")
    services.publish(survey, actor=world["reviewer"])
    return survey


def q(survey, text) -> str:
    return f"q{Question.objects.get(survey=survey, text=text).pk}"


def client_for(client, user):
    client.force_login(user)
    return client


def test_publishing_makes_one_response_per_municipality_in_the_audience(world, survey):
    codes = set(survey.responses.values_list("organization__code", flat=True))
    assert codes == {"011002", "012025", "022012"}  # municipalities only, no ministry


def test_a_prefectures_survey_asks_only_its_own_municipalities(world):
    survey = SurveyFactory(issuer=world["hokkaido"], audience="everyone")
    QuestionFactory(survey=survey)
    services.publish(survey, actor=world["pref_admin"])
    codes = set(survey.responses.values_list("organization__code", flat=True))
    assert codes == {"011002", "012025"}


def test_no_questions_or_closing_before_opening_refused_with_nothing_saved(world, client):
    c = client_for(client, world["reviewer"])
    response = c.post(
        "/surveys/new/",
        {
            "title": "調査",
            "audience": "municipalities",
            "opens_on": "2015/07/10",
            "closes_on": "2015/07/01",
        },
    )
    assert response.status_code == 200
    assert "締切日は開始日以降の日付にしてください。" in response.content.decode()
    assert not Survey.objects.exists()
    empty = SurveyFactory(issuer=world["mhlw"])
    response = c.post(f"/surveys/{empty.pk}/publish", follow=True)
    assert "質問が1つもありません。" in response.content.decode()
    empty.refresh_from_db()
    assert empty.status == "draft" and not empty.responses.exists()


def test_issuer_creates_a_survey_and_adds_questions(world, client):
    c = client_for(client, world["reviewer"])
    response = c.post(
        "/surveys/new/",
        {
            "title": "システム調査",
            "purpose": "趣旨",
            "audience": "municipalities",
            "opens_on": "2015/07/01",
            "closes_on": "2015/07/31",
            "via_prefectures": "on",
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and survey.issuer == world["mhlw"]
    bad = c.post(f"/surveys/{survey.pk}/questions/new/", {"text": "方式", "kind": "single"})
    assert "選択肢を1つ以上、1行に1つずつ入力してください。" in bad.content.decode()
    assert not survey.questions.exists()
    c.post(
        f"/surveys/{survey.pk}/questions/new/",
        {"text": "システム", "kind": "table", "columns_text": "名称|記述\n台数|数値"},
    )
    table = survey.questions.get()
    assert [col["kind"] for col in table.columns] == ["short_text", "number"]
    assert AuditEvent.objects.filter(target__startswith=f"survey:{survey.pk} ").count() == 2


def test_draft_then_submit_then_revise_keeps_history(world, survey, client):
    c = client_for(client, world["staff"])
    url = f"/surveys/{survey.pk}/answers/011002/"
    c.post(url, {q(survey, "窓口を設置しましたか"): "yes", "save": ""})
    response = Response.objects.get(survey=survey, organization=world["sapporo"])
    assert response.status == "draft"
    # another person of 札幌市 continues the draft and submits
    other = client_for(type(client)(), world["manager"])
    page = other.get(url)
    assert 'value="yes" checked' in page.content.decode()
    other.post(
        url,
        {
            q(survey, "窓口を設置しましたか"): "yes",
            q(survey, "職員数"): "12",
            q(survey, "設置日"): "2015/07/09",
            "submit": "",
        },
    )
    response.refresh_from_db()
    assert (response.status, response.revision, response.submitted_by) == (
        "submitted",
        1,
        world["manager"],
    )
    c.post(
        url,
        {q(survey, "窓口を設置しましたか"): "いいえ", "submit": ""},  # 職員数 now hidden
    )
    response.refresh_from_db()
    assert response.revision == 2
    assert list(Revision.objects.filter(response=response).values_list("number", flat=True)) == [
        2,
        1,
    ]
    first = Revision.objects.get(response=response, number=1)
    assert first.values[str(Question.objects.get(text="職員数").pk)] == "12"
    assert set(Answer.objects.filter(response=response).values_list("value", flat=True)) == {False}


def test_bad_answers_are_marked_next_to_the_field_and_nothing_saved(world, survey, client):
    c = client_for(client, world["staff"])
    url = f"/surveys/{survey.pk}/answers/011002/"
    page = c.post(
        url,
        {
            q(survey, "窓口を設置しましたか"): "yes",
            q(survey, "職員数"): "101",
            q(survey, "方式"): "外注",
            q(survey, "設置日"): "2015/02/30",
            "submit": "",
        },
    )
    body = page.content.decode()
    assert "0人以上100人以下の数値を入力してください。" in body
    assert "選択肢の中から選んでください。" in body
    assert "実在する日付を入力してください。" in body
    assert 'value="101"' in body  # what was typed stays in the field
    assert not Answer.objects.exists()
    assert Response.objects.get(survey=survey, organization=world["sapporo"]).status == (
        "not_started"
    )
    missing = c.post(url, {"submit": ""})
    assert "この質問は回答が必須です。" in missing.content.decode()


def test_after_closing_only_if_reopened(world, survey, client):
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=dt.date(2015, 7, 1), closes_on=timezone.localdate() - dt.timedelta(days=1)
    )
    c = client_for(client, world["staff"])
    url = f"/surveys/{survey.pk}/answers/011002/"
    page = c.post(url, {q(survey, "方式"): "委託", "save": ""})
    assert "を過ぎています" in page.content.decode()
    assert not Answer.objects.exists()
    issuer = client_for(type(client)(), world["reviewer"])
    assert issuer.post(f"{url}reopen", {"reopened": "1"}).status_code == 302
    c.post(url, {q(survey, "方式"): "委託", "save": ""})
    assert Answer.objects.get().value == "委託"
    # reopening is the issuer's: a respondent's try is a 404
    assert c.post(f"{url}reopen", {"reopened": "1"}).status_code == 404


def test_relay_send_back_remind_and_confirm(world, survey, client):
    staff = client_for(client, world["staff"])
    url = f"/surveys/{survey.pk}/answers/011002/"
    staff.post(url, {q(survey, "窓口を設置しましたか"): "no", "submit": ""})
    pref = client_for(type(client)(), world["pref_admin"])
    page = pref.get(f"/surveys/{survey.pk}/relay/")
    body = page.content.decode()
    assert "札幌市" in body and "函館市" in body and "青森市" not in body
    assert (
        "未提出の団体が1団体あります"
        in pref.post(f"/surveys/{survey.pk}/relay/confirm", follow=True).content.decode()
    )
    assert not Batch.objects.exists()
    pref.post(f"{url}return", {"comment": "職員数を確認してください"})
    response = Response.objects.get(survey=survey, organization=world["sapporo"])
    assert (response.status, response.relay_comment) == ("returned", "職員数を確認してください")
    assert "職員数を確認してください" in staff.get(url).content.decode()
    pref.post(f"/surveys/{survey.pk}/relay/remind")
    from review.models import Notice, ReviewEvent

    reminders = ReviewEvent.objects.filter(kind=ReviewEvent.Kind.SURVEY_REMINDER)
    assert reminders.count() == 2  # 札幌市, 函館市
    pref.post(f"/surveys/{survey.pk}/relay/remind")  # twice a day changes nothing
    assert reminders.count() == 2
    assert not ReviewEvent.objects.filter(kind=ReviewEvent.Kind.REMINDER).exists()  # a plan's
    assert Notice.objects.filter(recipient=world["staff"], immediate=False).count() == 1
    for user, code in ((world["staff"], "011002"), (world["hakodate_staff"], "012025")):
        other = client_for(type(client)(), user)
        other.post(
            f"/surveys/{survey.pk}/answers/{code}/",
            {q(survey, "窓口を設置しましたか"): "no", "submit": ""},
        )
    pref.post(f"/surveys/{survey.pk}/relay/confirm")
    assert Batch.objects.get().prefecture == world["hokkaido"]
    tracking = client_for(type(client)(), world["reviewer"]).get(f"/surveys/{survey.pk}/tracking/")
    rows = {rate.label: rate for rate in tracking.context["by_prefecture"]}
    assert (rows["北海道"].answered, rows["北海道"].confirmed) == (2, True)
    assert (rows["青森県"].answered, rows["青森県"].confirmed) == (0, False)
    assert tracking.context["total"].percent == "66.7"


def test_copy_starts_a_draft_with_the_questions_and_conditions(world, survey, client):
    c = client_for(client, world["reviewer"])
    c.post(f"/surveys/{survey.pk}/copy")
    copy = Survey.objects.exclude(pk=survey.pk).get()
    assert copy.status == "draft" and copy.copied_from == survey
    staff_count = copy.questions.get(text="職員数")
    assert staff_count.shown_if.survey == copy
    assert copy.questions.count() == 4


def test_results_count_choices_and_number_statistics(world, survey, client):
    for user, code, people in (
        (world["staff"], "011002", "10"),
        (world["hakodate_staff"], "012025", "20"),
    ):
        client_for(type(client)(), user).post(
            f"/surveys/{survey.pk}/answers/{code}/",
            {
                q(survey, "窓口を設置しましたか"): "yes",
                q(survey, "職員数"): people,
                q(survey, "方式"): "委託",
                "submit": "",
            },
        )
    page = client_for(client, world["reviewer"]).get(f"/surveys/{survey.pk}/results/")
    results = {r.question.text: r for r in page.context["results"]}
    assert results["方式"].counts == [("委託", 2), ("直営", 0)]
    assert results["職員数"].stats["mean"] == 15
    assert len(page.context["table"]) == 2


def test_tracking_query_count_does_not_grow_with_organisations(world, survey, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MunicipalityFactory

    c = client_for(client, world["reviewer"])
    url = f"/surveys/{survey.pk}/tracking/"
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for _ in range(20):
        MunicipalityFactory(prefecture=world["aomori_pref"])
    services.sync_responses(survey)
    assert survey.responses.count() == 23
    with CaptureQueriesContext(connection) as many:
        c.get(url)
    assert len(many) == len(few)


def test_results_filter_by_prefecture_and_class(world, survey, client):
    for user, code in ((world["staff"], "011002"), (world["aomori_staff"], "022012")):
        client_for(type(client)(), user).post(
            f"/surveys/{survey.pk}/answers/{code}/",
            {q(survey, "窓口を設置しましたか"): "no", q(survey, "方式"): "直営", "submit": ""},
        )
    c = client_for(client, world["reviewer"])
    url = f"/surveys/{survey.pk}/results/"

    def count(query):
        results = {r.question.text: r for r in c.get(url, query).context["results"]}
        return dict(results["方式"].counts)["直営"]

    assert count({}) == 2
    assert count({"prefecture": "010006"}) == 1
    assert count({"class": "core"}) == 1  # 青森市 is a 中核市, 札幌市 a 政令指定都市
    assert count({"class": "nonsense"}) == 2


def test_changing_a_published_surveys_audience_resyncs_its_respondents(world, survey):
    services.update_survey(
        survey, actor=world["reviewer"], audience="named", organizations=[world["hakodate"]]
    )
    assert set(survey.responses.values_list("organization__code", flat=True)) == {"012025"}


def test_results_as_of_a_past_date_and_drafts_after_submitting_not_counted(world, survey, client):
    url = f"/surveys/{survey.pk}/answers/011002/"
    staff = client_for(client, world["staff"])
    staff.post(
        url, {q(survey, "窓口を設置しましたか"): "no", q(survey, "方式"): "委託", "submit": ""}
    )
    # the first submission was made on 2015/07/01 (Tokyo)
    first = dt.datetime(2015, 7, 1, 1, 0, tzinfo=dt.UTC)
    Revision.objects.filter(number=1).update(submitted_at=first)
    ResultValue.objects.update(submitted_at=first)  # its rows for the results, as of then
    staff.post(
        url, {q(survey, "窓口を設置しましたか"): "no", q(survey, "方式"): "直営", "submit": ""}
    )
    staff.post(
        url, {q(survey, "窓口を設置しましたか"): "no", q(survey, "方式"): "委託", "save": ""}
    )
    reviewer = client_for(type(client)(), world["reviewer"])

    def counts(query):
        page = reviewer.get(f"/surveys/{survey.pk}/results/", query)
        return dict({r.question.text: r for r in page.context["results"]}["方式"].counts)

    assert counts({}) == {"委託": 0, "直営": 1}  # the draft saved since is not submitted
    assert counts({"as_of": "2015/07/01"}) == {"委託": 1, "直営": 0}
    assert counts({"as_of": "2015/06/30"}) == {"委託": 0, "直営": 0}
    page = reviewer.get(f"/surveys/{survey.pk}/results/", {"as_of": "2015/02/30"})
    assert "実在する日付を入力してください。" in page.content.decode()


def test_the_audit_trail_links_a_survey_change_to_the_survey(world, client):
    survey = services.create_survey(
        actor=world["pref_admin"],
        title="北海道の調査",
        audience="municipalities",
        opens_on=dt.date(2015, 7, 1),
        closes_on=dt.date(2015, 7, 31),
    )
    client.force_login(world["pref_admin"])
    body = client.get("/manage/audit/").content.decode()
    assert f'href="/surveys/{survey.pk}/"' in body


def test_after_publishing_a_question_keeps_its_kind_and_stays(world, survey, client):
    c = client_for(client, world["reviewer"])
    question = Question.objects.get(survey=survey, text="方式")
    page = c.post(
        f"/surveys/{survey.pk}/questions/{question.pk}/edit/",
        {"text": "方式（改）", "kind": "short_text"},
    )
    assert "公開後は質問の種類を変えられません。" in page.content.decode()
    question.refresh_from_db()
    assert (question.text, question.kind) == ("方式", "single")
    c.post(f"/surveys/{survey.pk}/questions/{question.pk}/delete")
    assert Question.objects.filter(pk=question.pk).exists()


def test_answers_submitted_after_closing_are_shown_apart(world, survey, client):
    client_for(client, world["staff"]).post(
        f"/surveys/{survey.pk}/answers/011002/",
        {q(survey, "窓口を設置しましたか"): "no", "submit": ""},
    )
    reviewer = client_for(type(client)(), world["reviewer"])
    url = f"/surveys/{survey.pk}/tracking/"
    assert reviewer.get(url).context["submitted_late"] == []
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=dt.date(2015, 7, 1), closes_on=dt.date(2015, 7, 31)
    )
    late = reviewer.get(url)
    assert [r.organization.code for r in late.context["submitted_late"]] == ["011002"]
    assert "期限後に提出した団体" in late.content.decode()


def test_a_survey_reminder_reads_as_one_in_each_readers_language(world, survey):
    """Not 計画入力の督促 (the plan's reminder, which it once borrowed): its own kind, and a
    text rendered when it is read, so the English reader of a Japanese writer reads English."""
    from django.utils import translation

    from review.models import ReviewEvent
    from surveys import reminders

    with translation.override("ja"):
        reminders.remind(survey, survey.responses.all(), actor=world["pref_admin"])
    event = ReviewEvent.objects.filter(organization=world["sapporo"]).get()
    assert event.get_kind_display() == "照会への回答の督促"
    closes = survey.closes_on.strftime("%Y/%m/%d")
    assert event.text() == f"照会「{survey.title}」への回答のお願い（期限 {closes}）"
    with translation.override("en"):
        assert event.text() == f'Please answer the survey "{survey.title}" (closes {closes})'
        assert str(event.get_kind_display()) == "Reminder to answer a survey"


def test_the_digest_is_the_days_notices_not_only_follow_ups(world, survey):
    """A municipality reminded of a survey reads 本日のお知らせ, not 確認・フォローアップ."""
    from django.utils import timezone

    from outbox.models import Mail
    from review import notifications
    from surveys import reminders

    reminders.remind(survey, survey.responses.all(), actor=world["pref_admin"])
    notifications.queue_digests(timezone.localdate())
    notifications.send_pending()
    sent = Mail.objects.get(kind="review.digest", to=[world["staff"].email])
    assert sent.subject.startswith("【デジタルPMO】本日のお知らせ（")
    assert "確認・フォローアップ" not in sent.subject + sent.body
    assert "デジタルPMOで次のことがありました。" in sent.body
    assert survey.title in sent.body


def test_the_survey_page_reads_in_english(world, survey, client, settings):
    """The page's punctuation and notes follow the language; the survey's own text stays
    (issue 14)."""
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=dt.date(2015, 7, 1), closes_on=dt.date(2015, 7, 31)
    )
    c = client_for(client, world["reviewer"])
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = c.get(survey.get_absolute_url()).content.decode()
    assert " (via the prefectures)" in body and "都道府県経由" not in body
    assert "2015/07/01 – 2015/07/31" in body and "〜" not in body
    assert "(Number, 人)" in body and "（" not in body
