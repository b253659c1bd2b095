from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from orgs import jis
from orgs.models import MunicipalityClass, Organization, OrganizationKind


def jis_code(prefecture: int, number: int) -> str:
    first_five = f"{prefecture:02d}{number:03d}"
    return first_five + str(jis.check_digit(first_five))


class PrefectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: jis_code(n % 47 + 1, 0))
    kind = OrganizationKind.PREFECTURE
    name = factory.Sequence(lambda n: f"県{n}")


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    prefecture = factory.SubFactory(PrefectureFactory)
    # 397 codes, then round again: a JIS code has three digits for the municipality; no test
    # makes 397 of them. 203–599 stays clear of the codes fixtures give by hand (札幌市 011002
    # is 100, 函館市 202, then 600 on): a clash made get_or_create hand back 札幌市. And
    # tests/conftest.py starts each test's sequence at the same place, whatever ran before.
    code = factory.Sequence(lambda n: jis_code(1, 203 + n % 397))
    kind = OrganizationKind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"市{n}")
    municipality_class = MunicipalityClass.CITY


class MinistryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ministry-{n}")
    kind = OrganizationKind.MINISTRY
    name = factory.Sequence(lambda n: f"省{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.jp")
    display_name = factory.Sequence(lambda n: f"利用者 {n}")
    organization = factory.SubFactory(MunicipalityFactory)
    role = Role.STAFF
    # A user with a password has activated the account (only activated accounts get mail).
    activated_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def mark_published(programme):
    """The programme as published, without creating its entries: fixtures create them on
    the day they need (``ensure_entries`` under a frozen clock). Pages show only published
    programmes to everyone but the system administrator (actionplan.programmes)."""
    from django.utils import timezone

    type(programme).objects.filter(pk=programme.pk).update(published_at=timezone.now())
    programme.refresh_from_db(fields=["published_at"])
    return programme


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
