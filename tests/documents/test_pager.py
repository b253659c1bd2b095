"""The library's pages keep the search, the filters and the sort from page to page."""

from __future__ import annotations

import pytest

from documents import views
from tests.test_pager import pager_links


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)


def test_library_page_two_keeps_the_filters(client_for, world, make_document, small_pages):
    for n in range(5):
        make_document(title=f"番号制度の概要{n}")
    make_document(title="別の資料", publisher=world["orgs"]["cas"])
    mhlw, category = world["orgs"]["mhlw"].pk, world["category"].pk
    filters = {"q": ["概要"], "publisher": [str(mhlw)], "category": [str(category)]}
    client = client_for(world["users"]["staff"])
    body = client.get("/documents/", {k: v[0] for k, v in filters.items()} | {"page": "2"})
    html = body.content.decode()
    assert "別の資料" not in html
    assert pager_links(html) == {
        "prev": filters | {"page": ["1"]},
        "next": filters | {"page": ["3"]},
    }
