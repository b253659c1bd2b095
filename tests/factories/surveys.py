"""Surveys: a ministry's survey, its questions, the answers and the results jobs."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.roles import Role
from tests.factories.accounts import UserFactory
from tests.factories.orgs import MinistryFactory, MunicipalityFactory


class SurveyFactory(factory.django.DjangoModelFactory):
    """A draft survey of a ministry to every municipality, open through 2015/07."""

    class Meta:
        model = "surveys.Survey"

    issuer = factory.SubFactory(MinistryFactory)
    title = factory.Sequence(lambda n: f"調査{n}")
    purpose = "番号制度の準備状況の調査"
    audience = "municipalities"
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=1))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Question"

    survey = factory.SubFactory(SurveyFactory)
    order = factory.Sequence(lambda n: n * 10)
    kind = "short_text"
    text = factory.Sequence(lambda n: f"質問{n}")


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Response"
        django_get_or_create = ("survey", "organization")

    survey = factory.SubFactory(SurveyFactory, status="published")
    organization = factory.SubFactory(MunicipalityFactory)


class ResultsJobFactory(factory.django.DjangoModelFactory):
    """A queued results workbook, asked for by a reviewer of the issuing ministry."""

    class Meta:
        model = "surveys.ResultsJob"

    survey = factory.SubFactory(SurveyFactory)
    user = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..survey.issuer"), role=Role.REVIEWER
    )
