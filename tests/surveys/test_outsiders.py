"""Every survey view answers 404 to an outsider: a municipality not asked (青森市), and a
ministry reviewer of another bureau; and the refusal is in the audit trail."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from accounts.demo import enrol_demo_totp
from accounts.models import AuditEvent
from accounts.roles import Role
from surveys import services
from tests.factories import (
    MinistryFactory,
    QuestionFactory,
    ResultsJobFactory,
    SurveyFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GET = {
    "detail": "",
    "edit": "edit/",
    "question_new": "questions/new/",
    "question_edit": "questions/{question}/edit/",
    "answer": "answers/011002/",
    "template_xlsx": "answers/011002/template.xlsx",
    "marked_xlsx": "answers/011002/errors.xlsx",
    "tracking": "tracking/",
    "relay": "relay/",
    "relay_template": "relay/template.xlsx",
    "relay_marked": "relay/errors.xlsx",
    "results": "results/",
    "results_csv": "results.csv",
    "results_job": "results/jobs/{job}/",
}
POST = {
    "publish": "publish",
    "copy": "copy",
    "question_delete": "questions/{question}/delete",
    "reopen": "answers/011002/reopen",
    "upload": "answers/011002/upload",
    "send_back": "answers/011002/return",
    "remind": "remind",
    "relay_remind": "relay/remind",
    "relay_upload": "relay/upload",
    "relay_confirm": "relay/confirm",
    "results_xlsx": "results.xlsx",
    "results_retry": "results/jobs/{job}/retry/",
}


def test_the_lists_name_every_survey_view():
    names = {
        pattern.name
        for resolver in get_resolver().url_patterns
        if getattr(resolver, "namespace", None) == "surveys"
        for pattern in resolver.url_patterns
    }
    assert names - {"index", "create"} == GET.keys() | POST.keys()


@pytest.fixture
def survey(world):
    survey = SurveyFactory(issuer=world["mhlw"], audience="named", via_prefectures=True)
    survey.organizations.set([world["sapporo"]])
    question = QuestionFactory(survey=survey)
    services.publish(survey, actor=world["reviewer"])
    job = ResultsJobFactory(user=world["reviewer"], survey=survey, state="failed")
    return survey, question, job


@pytest.fixture(params=["aomori_staff", "other_ministry"])
def outsider(request, world):
    if request.param == "other_ministry":
        user = UserFactory(organization=MinistryFactory(name="農林水産省"), role=Role.REVIEWER)
        enrol_demo_totp(user)
        return user
    return world[request.param]


@pytest.mark.parametrize(
    ("name", "method"), [(n, "get") for n in GET] + [(n, "post") for n in POST]
)
def test_outsider_gets_404(client, survey, outsider, name, method):
    survey, question, job = survey
    suffix = {**GET, **POST}[name].format(question=question.pk, job=job.pk)
    client.force_login(outsider)
    before = AuditEvent.objects.filter(kind="access_denied").count()
    response = getattr(client, method)(f"/surveys/{survey.pk}/{suffix}", {"comment": "x"})
    assert response.status_code == 404, name
    assert AuditEvent.objects.filter(kind="access_denied").count() == before + 1


def test_a_draft_survey_is_its_issuers_alone(client, world):
    survey = SurveyFactory(issuer=world["mhlw"])
    for user in ("staff", "pref_admin", "aomori_staff"):
        client.force_login(world[user])
        assert client.get(f"/surveys/{survey.pk}/").status_code == 404, user
    client.force_login(world["reviewer"])
    assert client.get(f"/surveys/{survey.pk}/").status_code == 200


def test_content_editors_have_no_survey_desk(client, world):
    editor = UserFactory(organization=world["mic"], role=Role.EDITOR)
    enrol_demo_totp(editor)
    client.force_login(editor)
    assert client.get("/surveys/").status_code == 404
    assert client.get("/surveys/new/").status_code == 404
