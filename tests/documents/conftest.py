from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.demo import enrol_demo_totp
from accounts.roles import Role
from documents import samplefiles, services
from documents.models import Audience
from orgs.models import MunicipalityClass, OrganizationKind
from tests.factories import (
    CategoryFactory,
    MinistryFactory,
    MunicipalityFactory,
    PrefectureFactory,
    UserFactory,
    jis_code,
)


def pdf(name: str = "概要.pdf", title: str = "test") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, samplefiles.minimal_pdf(title), "application/pdf")


@pytest.fixture
def world(db):
    """Two prefectures, municipalities in each, an association, a ministry; a user per role."""
    hokkaido = PrefectureFactory(code="010006", name="北海道")
    aomori_pref = PrefectureFactory(code="020001", name="青森県")
    sapporo = MunicipalityFactory(
        code="011002",
        name="札幌市",
        prefecture=hokkaido,
        municipality_class=MunicipalityClass.DESIGNATED,
    )
    hakodate = MunicipalityFactory(code="012025", name="函館市", prefecture=hokkaido)
    aomori = MunicipalityFactory(code="022012", name="青森市", prefecture=aomori_pref)
    association = MunicipalityFactory(
        code=jis_code(1, 850),
        name="石狩東部広域水道企業団",
        prefecture=hokkaido,
        kind=OrganizationKind.ASSOCIATION,
        municipality_class="",
    )
    cas = MinistryFactory(code="cas", name="内閣官房")
    mhlw = MinistryFactory(code="mhlw", name="厚生労働省")
    users = {
        "editor": UserFactory(email="editor@x.jp", organization=cas, role=Role.EDITOR),
        "sysadmin": UserFactory(email="admin@x.jp", organization=cas, role=Role.SYSADMIN),
        "coordinator": UserFactory(email="co@x.jp", organization=cas, role=Role.COORDINATOR),
        "reviewer": UserFactory(email="rev@x.jp", organization=mhlw, role=Role.REVIEWER),
        "prefecture": UserFactory(
            email="pref@x.jp", organization=hokkaido, role=Role.PREFECTURE_ADMIN
        ),
        "other_prefecture": UserFactory(
            email="pref2@x.jp", organization=aomori_pref, role=Role.PREFECTURE_ADMIN
        ),
        "staff": UserFactory(email="staff@x.jp", organization=sapporo, role=Role.STAFF),
        "manager": UserFactory(email="mgr@x.jp", organization=sapporo, role=Role.ACCOUNT_MANAGER),
        "other_staff": UserFactory(email="hakodate@x.jp", organization=hakodate),
        "far_staff": UserFactory(email="aomori@x.jp", organization=aomori),
        "association": UserFactory(email="kumiai@x.jp", organization=association),
    }
    for user in users.values():
        if user.role != Role.STAFF:
            enrol_demo_totp(user)  # these roles need two-factor login to reach any page
    category = CategoryFactory(name="共通資料")
    return {
        "orgs": {
            "hokkaido": hokkaido,
            "aomori_pref": aomori_pref,
            "sapporo": sapporo,
            "hakodate": hakodate,
            "aomori": aomori,
            "association": association,
            "cas": cas,
            "mhlw": mhlw,
        },
        "users": users,
        "category": category,
    }


@pytest.fixture
def make_document(world):
    def make(
        *,
        audience: str = Audience.EVERYONE,
        organizations=(),
        action: str = "publish",
        title: str = "番号制度の概要",
        filename: str = "番号制度 概要.pdf",
        **fields,
    ):
        return services.create_document(
            actor=world["users"]["editor"],
            upload=pdf(filename, title="v1"),
            action=action,
            title=title,
            purpose=fields.pop("purpose", "まず初めに読んでいただきたい概要資料"),
            publisher=fields.pop("publisher", world["orgs"]["mhlw"]),
            category=world["category"],
            audience=audience,
            organizations=organizations,
            **fields,
        )

    return make


@pytest.fixture
def client_for(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded files go to a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
