"""The results page: filters (prefecture, class, answer) applied to the counts, the statistics
and the answers table alike and kept when paging; the charts' figures; number statistics;
results as of a past day (Asia/Tokyo); and the rows the results are counted from."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils.http import urlencode

from surveys import answering, result_views, services, tally
from surveys.models import ResultValue
from tests.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db

TOKYO = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def survey(world):
    """厚生労働省's survey to 札幌市, 函館市 and 青森市: a single choice, a yes/no, a multiple
    choice and a number; 札幌市 (委託, はい, A+B, 10), 函館市 (直営, いいえ, B, 20) and 青森市
    (委託, はい, A, 33) have submitted."""
    survey = SurveyFactory(
        issuer=world["mhlw"], opens_on=dt.date(2015, 6, 1), closes_on=dt.date(2099, 12, 31)
    )
    QuestionFactory(survey=survey, kind="single", text="方式", choices="委託\n直営")
    QuestionFactory(survey=survey, kind="yes_no", text="設置")
    QuestionFactory(survey=survey, kind="multiple", text="対象", choices="A\nB\nC")
    QuestionFactory(survey=survey, kind="number", text="職員数", unit="人")
    services.publish(survey, actor=world["reviewer"])
    for user, answers in (
        ("staff", ("委託", "はい", ["A", "B"], "10")),
        ("hakodate_staff", ("直営", "いいえ", ["B"], "20")),
        ("aomori_staff", ("委託", "はい", ["A"], "33")),
    ):
        submit(survey, world[user], answers)
    return survey


def submit(survey, user, answers, *, draft=False):
    response = survey.responses.get(organization=user.organization)
    keys = [q.pk for q in survey.questions.all()]
    answering.save_answers(
        response, dict(zip(keys, answers, strict=True)), actor=user, submit=not draft
    )


def page(client, world, survey, **query):
    client.force_login(world["reviewer"])
    response = client.get(f"/surveys/{survey.pk}/results/", query)
    assert response.status_code == 200
    return response


def by_text(response) -> dict:
    return {r.question.text: r for r in response.context["results"]}


def table_codes(response) -> list[str]:
    return [row.organization.code for row, _cells in response.context["table"]]


def answer_value(survey, text: str, key: str) -> str:
    return f"{survey.questions.get(text=text).pk}:{key}"


def test_counts_per_choice_and_answered_per_question(client, world, survey):
    results = by_text(page(client, world, survey))
    assert results["方式"].counts == [("委託", 2), ("直営", 1)]
    assert results["設置"].counts == [("はい", 2), ("いいえ", 1)]
    assert results["対象"].counts == [("A", 2), ("B", 2), ("C", 0)]
    assert results["対象"].answered == 3  # three organisations, four choices picked
    assert [(bar.label, bar.count, bar.percent) for bar in results["対象"].bars] == [
        ("A", 2, "66.7"),
        ("B", 2, "66.7"),
        ("C", 0, "0.0"),
    ]


def test_number_statistics_with_the_median(client, world, survey):
    stats = by_text(page(client, world, survey))["職員数"].stats
    assert stats["count"] == 3 and stats["sum"] == 63
    assert (stats["min"], stats["max"], stats["median"]) == (10, 33, 20)
    assert stats["mean"] == 21
    submit(survey, world["staff"], ("委託", "はい", ["A"], "10.5"))  # a correction
    stats = by_text(page(client, world, survey))["職員数"].stats
    assert (stats["count"], stats["min"], stats["median"]) == (3, Decimal("10.5"), 20)
    assert str(stats["min"]) == "10.5"  # as written, not 10.500000000000


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(client, world, survey):
    # 青森市 corrects its submission, leaving the number empty
    submit(survey, world["aomori_staff"], ("委託", "はい", ["A"], ""))
    stats = by_text(page(client, world, survey))["職員数"].stats
    assert (stats["count"], stats["median"]) == (2, 15)


def test_the_chart_is_drawn_in_svg_with_its_numbers_in_text(client, world, survey):
    body = page(client, world, survey).content.decode()
    assert '<rect class="bar-fill" width="66.7%" height="100%"/>' in body
    assert re.search(r'<td class="number">2</td>\s*<td class="number">66.7%</td>', body)
    assert 'style="' not in body.split("<main", 1)[1]  # the CSP allows no inline style
    assert "中央値" in body


def test_filters_apply_to_counts_statistics_and_table_alike(client, world, survey):
    hokkaido = page(client, world, survey, prefecture="010006")
    assert by_text(hokkaido)["方式"].counts == [("委託", 1), ("直営", 1)]
    assert by_text(hokkaido)["職員数"].stats["sum"] == 30
    assert table_codes(hokkaido) == ["011002", "012025"]
    core = page(client, world, survey, **{"class": "core"})
    assert table_codes(core) == ["012025", "022012"]
    assert by_text(core)["職員数"].stats["max"] == 33
    chose = page(client, world, survey, answer=answer_value(survey, "対象", "A"))
    assert table_codes(chose) == ["011002", "022012"]
    assert by_text(chose)["方式"].counts == [("委託", 2), ("直営", 0)]
    assert by_text(chose)["職員数"].stats["median"] == Decimal("21.5")
    no = page(client, world, survey, answer=answer_value(survey, "設置", "no"))
    assert table_codes(no) == ["012025"]
    both = page(
        client, world, survey, answer=answer_value(survey, "設置", "yes"), prefecture="020001"
    )
    assert table_codes(both) == ["022012"]


def test_an_answer_filter_that_names_nothing_is_dropped(client, world, survey):
    other = QuestionFactory(kind="single", choices="x")
    for value in ("nonsense", f"{other.pk}:x", answer_value(survey, "方式", "ない")):
        response = page(client, world, survey, answer=value)
        assert response.context["filters"].answer == ""
        assert len(response.context["table"]) == 3


def test_a_choice_links_to_its_answer_filter_keeping_the_others(client, world, survey):
    body = page(client, world, survey, prefecture="010006", page="1").content.decode()
    value = answer_value(survey, "方式", "委託")
    query = urlencode({"prefecture": "010006", "answer": value}).replace("&", "&amp;")
    assert f'href="?{query}"' in body  # the page number dropped: a new filter starts at 1


def test_the_table_is_paged_and_the_pager_keeps_the_filters(client, world, survey, monkeypatch):
    monkeypatch.setattr(result_views, "TABLE_ROWS", 2)
    value = answer_value(survey, "設置", "yes")
    first = page(client, world, survey, answer=value, **{"class": "core"})
    assert table_codes(first) == ["022012"]  # one organisation: no pager
    every = page(client, world, survey)
    assert table_codes(every) == ["011002", "012025"]
    body = every.content.decode()
    assert 'href="?page=2"' in body
    filtered = page(
        client, world, survey, prefecture="", answer=answer_value(survey, "方式", "委託")
    )
    assert table_codes(filtered) == ["011002", "022012"]
    second = page(client, world, survey, **{"class": "", "page": "2"})
    assert table_codes(second) == ["022012"]
    assert by_text(second)["方式"].counts == [("委託", 2), ("直営", 1)]  # all, not the page
    kept = page(client, world, survey, prefecture="010006", **{"class": "core"})
    assert table_codes(kept) == ["012025"]
    monkeypatch.setattr(result_views, "TABLE_ROWS", 1)
    body = page(client, world, survey, prefecture="010006", as_of="").content.decode()
    assert 'href="?prefecture=010006&amp;as_of=&amp;page=2"' in body


def test_drafts_are_not_counted_until_submitted(client, world, survey):
    submit(survey, world["staff"], ("直営", "いいえ", ["C"], "1"), draft=True)
    results = by_text(page(client, world, survey))
    assert results["方式"].counts == [("委託", 2), ("直営", 1)]
    assert results["対象"].counts == [("A", 2), ("B", 2), ("C", 0)]


def test_a_resubmission_replaces_the_counted_rows(world, survey):
    submit(survey, world["staff"], ("直営", "いいえ", ["C"], "1"))
    sapporo = survey.responses.get(organization=world["sapporo"])
    current = ResultValue.objects.filter(response=sapporo, superseded_at__isnull=True)
    assert sorted(current.values_list("choice", flat=True)) == ["", "C", "no", "直営"]
    assert ResultValue.objects.filter(response=sapporo, superseded_at__isnull=False).count() == 5


def test_results_as_of_the_end_of_a_day_in_tokyo(client, world):
    survey = SurveyFactory(
        issuer=world["mhlw"], opens_on=dt.date(2015, 6, 1), closes_on=dt.date(2099, 12, 31)
    )
    QuestionFactory(survey=survey, kind="single", text="方式", choices="委託\n直営")
    services.publish(survey, actor=world["reviewer"])
    # 23:30 on 1 July in Tokyo is still 1 July; 00:30 on 2 July is the next day
    with time_machine.travel(dt.datetime(2015, 7, 1, 23, 30, tzinfo=TOKYO), tick=False):
        submit(survey, world["staff"], ("委託",))
    with time_machine.travel(dt.datetime(2015, 7, 2, 0, 30, tzinfo=TOKYO), tick=False):
        submit(survey, world["hakodate_staff"], ("委託",))
    with time_machine.travel(dt.datetime(2015, 7, 3, 9, 0, tzinfo=TOKYO), tick=False):
        submit(survey, world["staff"], ("直営",))

    def counts(day):
        response = page(client, world, survey, as_of=day)
        return dict(by_text(response)["方式"].counts), table_codes(response)

    assert counts("2015/06/30") == ({"委託": 0, "直営": 0}, [])
    assert counts("2015/07/01") == ({"委託": 1, "直営": 0}, ["011002"])
    assert counts("2015-07-02") == ({"委託": 2, "直営": 0}, ["011002", "012025"])
    assert counts("2015/07/03") == ({"委託": 1, "直営": 1}, ["011002", "012025"])
    body = page(client, world, survey, as_of="2015/07/01").content.decode()
    assert "2015/07/01 の終わりまでに提出された回答" in body
    cells = page(client, world, survey, as_of="2015/07/01").context["table"][0][1]
    assert cells == ["委託"]
    chose = page(
        client, world, survey, as_of="2015/07/02", answer=answer_value(survey, "方式", "委託")
    )
    assert table_codes(chose) == ["011002", "012025"]  # 札幌市 chose 直営 only on 7/3


def test_a_bad_or_future_date_is_refused_next_to_the_field(client, world, survey):
    body = page(client, world, survey, as_of="2015/02/30").content.decode()
    assert 'id="f-as-of-error">日付は 2015/07/09 の形で、実在する日付を入力してください。' in body
    assert 'aria-describedby="f-as-of-error"' in body and 'value="2015/02/30"' in body
    future = page(client, world, survey, as_of="2099/01/01")
    assert "2099/01/01 は未来の日付です。" in future.content.decode()
    assert future.context["as_of"] is None
    assert len(future.context["table"]) == 3  # the results of now, not nothing


def test_tally_rows_per_kind():
    assert tally.rows("multiple", ["A", "C"]) == [("A", None), ("C", None)]
    assert tally.rows("yes_no", False) == [("no", None)]
    assert tally.rows("single", "委託") == [("委託", None)]
    assert tally.rows("number", "1.10") == [("", Decimal("1.100000000000"))]
    assert tally.rows("date", "2015-07-09") == [("", None)]
    assert tally.rows("multiple", []) == [] and tally.rows("number", None) == []
    assert tally.as_number("1e40") is None  # too large for the column: not in the statistics


def test_the_migration_fills_the_rows_the_service_writes(world, survey):
    """Answers submitted before the rows existed are counted the same: the migration reads the
    kept revisions (a superseded one held until the next)."""
    from importlib import import_module

    from django.apps import apps

    submit(survey, world["staff"], ("直営", "いいえ", ["C"], "1"))  # 札幌市's second revision
    fields = ("response_id", "question_id", "choice", "number", "first")
    fields += ("submitted_at", "superseded_at")
    written = sorted(ResultValue.objects.values_list(*fields))
    ResultValue.objects.all().delete()
    import_module("surveys.migrations.0002_result_values").fill(apps, None)
    assert sorted(ResultValue.objects.values_list(*fields)) == written


def test_the_answers_table_escapes_what_was_typed(client, world):
    survey = SurveyFactory(issuer=world["mhlw"])
    QuestionFactory(survey=survey, kind="short_text", text="備考")
    services.publish(survey, actor=world["reviewer"])
    submit(survey, world["staff"], ('<script>alert("x")</script>',))
    body = page(client, world, survey).content.decode()
    assert "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>" in body
    assert '<script>alert("x")' not in body
