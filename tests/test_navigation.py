from __future__ import annotations

import pytest

from accounts.demo import enrol_demo_totp
from accounts.roles import Role
from tests.factories import MinistryFactory, UserFactory


def labels(client) -> list[str]:
    return [item.label for item in client.get("/").context["nav_items"]]


@pytest.mark.parametrize(
    ("role", "org", "expected"),
    [
        (Role.STAFF, "sapporo", ["TOP", "ドキュメント", "事務・手続", "FAQ", "照会・調査"]),
        (
            Role.ACCOUNT_MANAGER,
            "sapporo",
            ["TOP", "ドキュメント", "事務・手続", "FAQ", "照会・調査", "管理"],
        ),
        (
            Role.PREFECTURE_ADMIN,
            "hokkaido",
            ["TOP", "ドキュメント", "事務・手続", "FAQ", "照会・調査", "進捗確認", "管理"],
        ),
        (
            Role.REVIEWER,
            "ministry",
            ["TOP", "ドキュメント", "事務・手続", "FAQ", "照会・調査", "進捗確認"],
        ),
        (Role.EDITOR, "ministry", ["TOP", "ドキュメント", "事務・手続", "FAQ", "管理"]),
    ],
)
def test_the_bar_offers_only_what_the_user_may_open(client, sapporo, role, org, expected):
    from actionplan import seed
    from actionplan.models import Programme
    from tests.factories import mark_published

    seed.load()
    mark_published(Programme.objects.get(name=seed.NAME))  # 進捗確認 shows published ones
    organization = {
        "sapporo": sapporo,
        "hokkaido": sapporo.prefecture,
        "ministry": MinistryFactory(),
    }[org]
    user = UserFactory(organization=organization, role=role)
    if role != Role.STAFF:
        enrol_demo_totp(user)
    client.force_login(user)
    assert labels(client) == expected
    for item in client.get("/").context["nav_items"]:
        assert client.get(item.url).status_code == 200, item.url


def test_staff_get_their_plan_from_top_and_no_manage_page(client, alice):
    client.force_login(alice)
    assert "/orgs/011002/plan/" in client.get("/").content.decode()
    assert client.get("/manage/").status_code == 404


def test_current_section_is_marked(client, alice):
    client.force_login(alice)
    items = {i.label: i.current for i in client.get("/inquiries/new/").context["nav_items"]}
    assert items["FAQ"] is True and items["TOP"] is False
