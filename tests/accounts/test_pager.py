"""The account list and the mail-domain list keep their filters from page to page (the account
list's 次へ used to drop them)."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.views import common
from tests.factories import MunicipalityFactory, UserFactory
from tests.test_pager import pager_links


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(common, "PAGE_SIZE", 2)


def test_account_list_page_two_keeps_the_filters(client, world, small_pages):
    for n in range(5):
        UserFactory(email=f"tanaka{n}@city.sapporo.lg.jp", organization=world["sapporo"])
    UserFactory(email="sato@city.sapporo.lg.jp", organization=world["sapporo"])
    client.force_login(world["admin"])
    filters = {"q": ["tanaka"], "role": [Role.STAFF], "organization": ["011002"]}
    first = client.get("/manage/accounts/", {k: v[0] for k, v in filters.items()})
    following = pager_links(first.content.decode())["next"]
    assert following == filters | {"page": ["2"]}
    second = client.get("/manage/accounts/", {k: v[0] for k, v in following.items()})
    body = second.content.decode()
    assert "tanaka2@" in body and "tanaka0@" not in body and "sato@" not in body
    assert pager_links(body)["prev"] == filters | {"page": ["1"]}
    assert pager_links(body)["next"] == filters | {"page": ["3"]}


def test_domain_list_page_two_keeps_the_search(client, world, small_pages):
    for n in range(5):
        MunicipalityFactory(code=f"01{n}0{n}1", name=f"北町{n}", prefecture=world["hokkaido"])
    client.force_login(world["admin"])
    first = client.get("/manage/domains/", {"q": "北町", "missing": "1"})
    following = pager_links(first.content.decode())["next"]
    assert following == {"q": ["北町"], "missing": ["1"], "page": ["2"]}
    second = client.get("/manage/domains/", {"q": "北町", "missing": "1", "page": "2"})
    assert pager_links(second.content.decode())["prev"] == {
        "q": ["北町"],
        "missing": ["1"],
        "page": ["1"],
    }
