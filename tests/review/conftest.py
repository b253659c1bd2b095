from __future__ import annotations

import datetime as dt

import pytest

from accounts.roles import Role
from actionplan import publishing, seed
from actionplan.models import Programme

D = dt.date
# The seed programme runs 2015–2017; its plan deadline is 2015/04/30.
ON = D(2015, 6, 1)


@pytest.fixture
def programme(db, mhlw, mic) -> Programme:
    # The ministries exist first, so the seed links them as responsible bureaus.
    from tests.factories import mark_published

    seed.load()
    return mark_published(Programme.objects.get(name=seed.NAME))


@pytest.fixture
def hakodate(hokkaido):
    from orgs.models import MunicipalityClass
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(
        code="012025", name="函館市", prefecture=hokkaido, municipality_class=MunicipalityClass.CORE
    )


@pytest.fixture
def aomori_pref(db):
    from tests.factories import PrefectureFactory

    return PrefectureFactory(code="020001", name="青森県")


@pytest.fixture
def aomori(aomori_pref):
    from orgs.models import MunicipalityClass
    from tests.factories import MunicipalityFactory

    return MunicipalityFactory(
        code="022012",
        name="青森市",
        prefecture=aomori_pref,
        municipality_class=MunicipalityClass.CORE,
    )


@pytest.fixture
def plans(programme, sapporo, hakodate, aomori):
    """Empty plans created on the programme's first day (they are judged as they are
    created, on that day)."""
    import time_machine

    with time_machine.travel(dt.datetime(2015, 4, 1, 3), tick=False):
        for organization in (sapporo, hakodate, aomori):
            publishing.ensure_entries(organization, programme)
    return programme


@pytest.fixture
def mhlw(db):
    from tests.factories import MinistryFactory

    return MinistryFactory(code="mhlw-social-security", name="厚生労働省 社会保障担当参事官室")


@pytest.fixture
def mic(db):
    from tests.factories import MinistryFactory

    return MinistryFactory(code="mic-jumin", name="総務省 住民制度課")


@pytest.fixture
def reviewer(mhlw):
    from tests.factories import UserFactory

    return UserFactory(
        email="reviewer@mhlw.go.jp", display_name="厚労 確認", organization=mhlw, role=Role.REVIEWER
    )


@pytest.fixture
def jumin_reviewer(mic):
    from tests.factories import UserFactory

    return UserFactory(
        email="reviewer@soumu.go.jp", display_name="総務 確認", organization=mic, role=Role.REVIEWER
    )


@pytest.fixture
def coordinator(mic):
    from tests.factories import UserFactory

    return UserFactory(
        email="coord@soumu.go.jp", display_name="総括", organization=mic, role=Role.COORDINATOR
    )


@pytest.fixture
def prefecture_admin(hokkaido):
    from tests.factories import UserFactory

    return UserFactory(
        email="admin@pref.hokkaido.lg.jp",
        display_name="北海 管理",
        organization=hokkaido,
        role=Role.PREFECTURE_ADMIN,
    )


@pytest.fixture
def aomori_admin(aomori_pref):
    from tests.factories import UserFactory

    return UserFactory(
        email="admin@pref.aomori.lg.jp",
        display_name="青森 管理",
        organization=aomori_pref,
        role=Role.PREFECTURE_ADMIN,
    )


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    # Second-factor enrolment is tested in accounts; here reviewers go straight to the pages.
    settings.MFA_REQUIRED = False


@pytest.fixture
def bob(hakodate):
    from tests.factories import UserFactory

    return UserFactory(
        email="bob@city.hakodate.lg.jp", display_name="函館 ボブ", organization=hakodate
    )


@pytest.fixture
def judged(plans):
    """Every entry judged today: with the seed's 2015–2017 dates everything is late."""
    from review import judging

    judging.scan(send=False)
    return plans


@pytest.fixture
def add_towns(judged, hokkaido):
    """add(n): n more 北海道 municipalities, each with the programme's plan, judged today
    (for the N+1 guards: 3 organisations with plans against 30)."""
    import time_machine

    from review import judging
    from tests.factories import MunicipalityFactory, jis_code

    def add(count: int) -> list:
        towns = [
            MunicipalityFactory(code=jis_code(1, 400 + n), name=f"町{n}", prefecture=hokkaido)
            for n in range(count)
        ]
        with time_machine.travel(dt.datetime(2015, 4, 1, 3), tick=False):
            for town in towns:
                publishing.ensure_entries(town, judged)
        judging.scan(send=False)
        return towns

    return add
