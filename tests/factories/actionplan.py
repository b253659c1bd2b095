"""The action plan: programmes, work items, tasks, target systems, advice, import jobs.

The seed programme (``actionplan.seed.load``) and plan entries (``publishing.ensure_entries``)
are national data: build them through the services; these factories make the odd row a test
adds to them, or a small programme of its own.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from actionplan.models import (
    Advice,
    CompletionItem,
    ImportJob,
    OrganizationSystem,
    Programme,
    TargetSystem,
    Task,
    WorkItem,
)
from tests.factories.accounts import UserFactory
from tests.factories.orgs import MunicipalityFactory


def mark_published(programme):
    """The programme as published, without creating its entries: fixtures create them on
    the day they need (``ensure_entries`` under a frozen clock). Pages show only published
    programmes to everyone but the system administrator (actionplan.programmes)."""
    type(programme).objects.filter(pk=programme.pk).update(published_at=timezone.now())
    programme.refresh_from_db(fields=["published_at"])
    return programme


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """An unpublished programme over the seed's years, 2015–2017, plans due 2015/04/30."""

    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"プログラム{n}")
    starts_on = dt.date(2015, 1, 1)
    ends_on = dt.date(2017, 12, 31)
    plan_deadline = dt.date(2015, 4, 30)


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkItem

    programme = factory.SubFactory(ProgrammeFactory)
    code = factory.Sequence(lambda n: f"W{n}")
    name = factory.Sequence(lambda n: f"作業項目{n}")
    order = factory.Sequence(lambda n: n)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    work_item = factory.SubFactory(WorkItemFactory)
    name = factory.Sequence(lambda n: f"タスク{n}")
    order = factory.Sequence(lambda n: n)


class CompletionItemFactory(factory.django.DjangoModelFactory):
    """A required free-text question asked when the task is done."""

    class Meta:
        model = CompletionItem

    task = factory.SubFactory(TaskFactory)
    label = factory.Sequence(lambda n: f"入力項目{n}")
    kind = CompletionItem.Kind.LONG_TEXT


class TargetSystemFactory(factory.django.DjangoModelFactory):
    """A municipality's own system (a shared one has ``organization=None``)."""

    class Meta:
        model = TargetSystem

    name = factory.Sequence(lambda n: f"独自システム{n}")
    organization = factory.SubFactory(MunicipalityFactory)


class OrganizationSystemFactory(factory.django.DjangoModelFactory):
    """An organisation using a system: by default one of its own."""

    class Meta:
        model = OrganizationSystem

    organization = factory.SubFactory(MunicipalityFactory)
    system = factory.SubFactory(
        TargetSystemFactory, organization=factory.SelfAttribute("..organization")
    )


class AdviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advice

    organization = factory.SubFactory(MunicipalityFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    body = "計画の見直しをお願いします"


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A queued plan import by a member of the organisation, with an empty sheet."""

    class Meta:
        model = ImportJob

    organization = factory.SubFactory(MunicipalityFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    user = factory.SubFactory(UserFactory, organization=factory.SelfAttribute("..organization"))
    filename = "plan.xlsx"
    upload = b""
