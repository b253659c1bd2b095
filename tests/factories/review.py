"""Review: follow-ups, approved exceptions and the report and late-list export jobs."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.roles import Role
from review.models import ApprovedException, FollowUp, LateExportJob, Reason, ReportJob
from tests.factories.accounts import UserFactory
from tests.factories.actionplan import ProgrammeFactory, TaskFactory
from tests.factories.orgs import MinistryFactory, MunicipalityFactory


class FollowUpFactory(factory.django.DjangoModelFactory):
    """An open follow-up of a budget delay, due far ahead (2030/01/01), opened by nobody."""

    class Meta:
        model = FollowUp

    organization = factory.SubFactory(MunicipalityFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    cause = FollowUp.Cause.BUDGET
    actions = "予算の確保"
    due_on = dt.date(2030, 1, 1)


class ApprovedExceptionFactory(factory.django.DjangoModelFactory):
    """A later date approved for an organisation's task: a mainframe, until 2016/03/31."""

    class Meta:
        model = ApprovedException

    organization = factory.SubFactory(MunicipalityFactory)
    task = factory.SubFactory(TaskFactory)
    approved_until = dt.date(2016, 3, 31)
    reason = Reason.MAINFRAME


def _coordinator():
    return factory.SubFactory(
        UserFactory, organization=factory.SubFactory(MinistryFactory), role=Role.COORDINATOR
    )


class ReportJobFactory(factory.django.DjangoModelFactory):
    """A queued progress report of a coordinator, as of 2016/01/01."""

    class Meta:
        model = ReportJob

    user = _coordinator()
    programme = factory.SubFactory(ProgrammeFactory)
    as_of = dt.date(2016, 1, 1)


class LateExportJobFactory(factory.django.DjangoModelFactory):
    """A queued export of today's late list as a workbook, for a coordinator."""

    class Meta:
        model = LateExportJob

    user = _coordinator()
    programme = factory.SubFactory(ProgrammeFactory)
    on = factory.LazyFunction(timezone.localdate)
    fmt = LateExportJob.Format.XLSX
