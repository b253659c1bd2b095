from __future__ import annotations

import datetime as dt

import pytest

from actionplan import publishing, seed
from actionplan.models import PlanEntry, Programme, TargetSystem
from tests.factories import OrganizationSystemFactory


@pytest.fixture
def programme(db) -> Programme:
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    publishing.publish(programme)  # organisations made after this get entries by ensure_entries
    return programme


@pytest.fixture
def hakodate(hokkaido):
    from orgs.models import MunicipalityClass
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(
        code="012025", name="函館市", prefecture=hokkaido, municipality_class=MunicipalityClass.CORE
    )


@pytest.fixture
def bob(hakodate):
    from tests.factories import UserFactory

    return UserFactory(
        email="bob@city.hakodate.lg.jp", display_name="函館 ボブ", organization=hakodate
    )


@pytest.fixture
def carol(sapporo):
    """A second member of 札幌市, to edit the same entry as alice."""
    from tests.factories import UserFactory

    return UserFactory(
        email="carol@city.sapporo.lg.jp", display_name="札幌 キャロル", organization=sapporo
    )


@pytest.fixture
def prefecture_admin(hokkaido):
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role
    from tests.factories import UserFactory

    user = UserFactory(
        email="admin@pref.hokkaido.lg.jp",
        display_name="北海 管理",
        organization=hokkaido,
        role=Role.PREFECTURE_ADMIN,
    )
    enrol_demo_totp(user)  # the role must have a second factor before it reaches any page
    return user


@pytest.fixture
def plan(programme, sapporo):
    """札幌市's entries for the seed programme, with two target systems."""
    for name in ("個人住民税", "介護保険"):
        OrganizationSystemFactory(
            organization=sapporo, system=TargetSystem.objects.get(name=name, organization=None)
        )
    publishing.ensure_entries(sapporo, programme)
    return PlanEntry.objects.for_plan(sapporo, programme)


def entry(organization, code: str, task: str, system: str | None = None) -> PlanEntry:
    query = PlanEntry.objects.filter(
        organization=organization, task__work_item__code=code, task__name=task
    )
    query = query.filter(system__name=system) if system else query.filter(system=None)
    return query.get()


ON = dt.date(2015, 8, 1)  # "today" for the rules in these tests
