"""Fixed query counts for the survey pages, and the same count with more organisations
(the N+1 guard)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys import services
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
        services.save_answers(response, {choice.pk: "a", number.pk: "3"}, actor=user, submit=True)
    return survey


def grow(world, survey, n=20):
    """n more municipalities, asked and answered."""
    choice, number = survey.questions.all()
    for _ in range(n):
        MunicipalityFactory(prefecture=world["aomori_pref"])
    services.sync_responses(survey)
    for response in survey.responses.filter(status="not_started").select_related("organization"):
        services.save_answers(response, {choice.pk: "b", number.pk: "1"}, actor=None, submit=True)


@pytest.mark.parametrize(
    ("page", "user", "expected"),
    [
        ("tracking/", "reviewer", 11),
        ("results/", "reviewer", 11),
        ("relay/", "pref_admin", 7),
        ("answers/011002/", "staff", 8),
        ("", "reviewer", 9),
    ],
)
def test_pages_have_a_fixed_number_of_queries(client, world, survey, page, user, expected):
    client.force_login(world[user])
    url = f"/surveys/{survey.pk}/{page}"
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
