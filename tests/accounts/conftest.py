from __future__ import annotations

import pytest

from accounts.demo import enrol_demo_totp
from accounts.roles import Role
from orgs.models import MunicipalityClass
from tests.factories import MinistryFactory, MunicipalityFactory, PrefectureFactory, UserFactory


@pytest.fixture
def world(db):
    """Two prefectures, three municipalities, a ministry bureau, and a user per role.

    hokkaido: 札幌市 (own), 函館市 (same prefecture); aomori: 青森市 (another prefecture).
    """
    hokkaido = PrefectureFactory(code="010006", name="北海道")
    aomori_pref = PrefectureFactory(code="020001", name="青森県")
    sapporo = MunicipalityFactory(
        code="011002",
        name="札幌市",
        prefecture=hokkaido,
        municipality_class=MunicipalityClass.DESIGNATED,
        mail_domains="city.sapporo.lg.jp",
    )
    hakodate = MunicipalityFactory(
        code="012025", name="函館市", prefecture=hokkaido, municipality_class=MunicipalityClass.CORE
    )
    aomori = MunicipalityFactory(
        code="022012",
        name="青森市",
        prefecture=aomori_pref,
        municipality_class=MunicipalityClass.CORE,
    )
    mhlw = MinistryFactory(code="mhlw", name="厚生労働省")
    mic = MinistryFactory(code="mic", name="総務省")

    def user(email, org, role):
        account = UserFactory(email=email, organization=org, role=role, display_name=email)
        if role != Role.STAFF:
            enrol_demo_totp(account)
        return account

    return {
        "hokkaido": hokkaido,
        "aomori_pref": aomori_pref,
        "sapporo": sapporo,
        "hakodate": hakodate,
        "aomori": aomori,
        "mhlw": mhlw,
        "mic": mic,
        "admin": user("admin@example.go.jp", mic, Role.SYSADMIN),
        "pref_admin": user("pref@pref.hokkaido.lg.jp", hokkaido, Role.PREFECTURE_ADMIN),
        "manager": user("manager@city.sapporo.lg.jp", sapporo, Role.ACCOUNT_MANAGER),
        "staff": user("staff@city.sapporo.lg.jp", sapporo, Role.STAFF),
        "hakodate_staff": user("staff@city.hakodate.lg.jp", hakodate, Role.STAFF),
        "aomori_staff": user("staff@city.aomori.lg.jp", aomori, Role.STAFF),
        "reviewer": user("reviewer@mhlw.go.jp", mhlw, Role.REVIEWER),
        "coordinator": user("coordinator@soumu.go.jp", mic, Role.COORDINATOR),
    }


@pytest.fixture(autouse=True)
def _requests_commit(monkeypatch):
    """Each test request behaves as if its transaction committed: on_commit callbacks (mail)
    run when the request ends, as they would in production, instead of never."""
    from django.test import Client, TestCase

    original = Client.post

    def post(self, *args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post)
