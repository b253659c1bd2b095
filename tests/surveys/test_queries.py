"""Fixed query counts for the survey pages, and the same count with more organisations
(the N+1 guard)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlencode

from surveys import answering, services
from tests.factories import MunicipalityFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def count(client, url) -> int:
    client.get(url)  # warm the session and the content type cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def survey(world):
    survey = SurveyFactory(issuer=world["mhlw"], via_prefectures=True)
    choice = QuestionFactory(survey=survey, kind="single", choices="a\nb")
    number = QuestionFactory(survey=survey, kind="number")
    services.publish(survey, actor=world["reviewer"])
    for user in (world["staff"], world["hakodate_staff"]):
        response = survey.responses.get(organization=user.organization)
        answering.save_answers(response, {choice.pk: "a", number.pk: "3"}, actor=user, submit=True)
    return survey


# The results page: session, user, MFA, survey, questions, prefectures, the table's count, page
# and cells, the rows counted by question and choice, the number questions' figures; SQLite,
# which has no percentile, reads the medians in one more query.
RESULTS = 11 if connection.vendor == "postgresql" else 12


def grow(world, survey, n=20):
    """n more municipalities, asked and answered."""
    choice, number = survey.questions.all()
    for _ in range(n):
        MunicipalityFactory(prefecture=world["aomori_pref"])
    services.sync_responses(survey)
    for response in survey.responses.filter(status="not_started").select_related("organization"):
        answering.save_answers(response, {choice.pk: "b", number.pk: "1"}, actor=None, submit=True)


@pytest.mark.parametrize(
    ("page", "user", "expected"),
    [
        ("tracking/", "reviewer", 11),
        ("results/", "reviewer", "results"),
        ("relay/", "pref_admin", 7),
        ("answers/011002/", "staff", 8),
        ("", "reviewer", 9),
    ],
)
def test_pages_have_a_fixed_number_of_queries(client, world, survey, page, user, expected):
    client.force_login(world[user])
    url = f"/surveys/{survey.pk}/{page}"
    expected = RESULTS if expected == "results" else expected
    assert count(client, url) == expected
    grow(world, survey)
    assert count(client, url) == expected


def test_the_list_has_a_fixed_number_of_queries(client, world, survey):
    client.force_login(world["reviewer"])
    few = count(client, "/surveys/")
    for _ in range(10):
        other = SurveyFactory(issuer=world["mhlw"])
        QuestionFactory(survey=other)
        services.publish(other, actor=world["reviewer"])
    assert count(client, "/surveys/") == few == 5


def test_the_results_page_filtered_has_the_same_fixed_number_of_queries(client, world, survey):
    """By prefecture, class and answer, as of today, on the second page: the same queries as
    unfiltered (:data:`RESULTS`) at 2 and 22 organisations."""
    from django.utils import timezone

    client.force_login(world["reviewer"])
    choice = survey.questions.get(kind="single")
    url = f"/surveys/{survey.pk}/results/"
    queries = [
        {"prefecture": "010006", "class": "designated", "answer": f"{choice.pk}:a"},
        {"as_of": timezone.localdate().strftime("%Y/%m/%d"), "page": "2"},
    ]
    for query in queries:
        full = f"{url}?{urlencode(query)}"
        assert count(client, full) == RESULTS, query
    grow(world, survey)
    for query in queries:
        assert count(client, f"{url}?{urlencode(query)}") == RESULTS, query


def test_the_csv_reads_in_chunks_not_per_organisation(client, world, survey):
    client.force_login(world["reviewer"])
    url = f"/surveys/{survey.pk}/results.csv"

    def streamed() -> int:
        with CaptureQueriesContext(connection) as queries:
            b"".join(client.get(url).streaming_content)
        return len(queries)

    few = streamed()
    grow(world, survey)
    assert streamed() == few == 8
