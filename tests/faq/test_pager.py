"""The FAQ list, the FAQ search and the inquiry list keep every filter from page to page."""

from __future__ import annotations

import pytest

from faq import inquiries, inquiry_views, views
from faq.models import Field, WorkItem
from tests.test_pager import pager_links


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(inquiry_views, "PAGE_SIZE", 2)


def test_faq_list_page_two_keeps_the_filters(client_for, bob, make_faq, small_pages):
    for n in range(5):
        make_faq(question=f"転入届{n}", work_item=WorkItem.A, field=Field.COMMON, topic="転入")
    make_faq(question="別の質問", work_item=WorkItem.B, field=Field.COMMON, topic="転入")
    filters = {"work_item": ["A"], "field": ["common"], "topic": ["転入"]}
    client = client_for(bob)
    first = client.get("/faq/", {k: v[0] for k, v in filters.items()}).content.decode()
    assert pager_links(first)["next"] == filters | {"page": ["2"]}
    second = client.get("/faq/", {k: v[0] for k, v in filters.items()} | {"page": "2"})
    body = second.content.decode()
    assert "別の質問" not in body
    assert pager_links(body) == {
        "prev": filters | {"page": ["1"]},
        "next": filters | {"page": ["3"]},
    }


def test_faq_search_page_two_keeps_the_words_and_filters(client_for, bob, make_faq, small_pages):
    for n in range(5):
        make_faq(question=f"転入届の様式{n}", work_item=WorkItem.A)
    client = client_for(bob)
    body = client.get("/faq/", {"q": "転入届", "work_item": "A", "page": "2"}).content.decode()
    assert pager_links(body)["next"] == {"q": ["転入届"], "work_item": ["A"], "page": ["3"]}


def test_inquiry_list_page_two_keeps_the_filters(client_for, bob, small_pages):
    for n in range(5):
        inquiries.submit_inquiry(asker=bob, subject=f"問い合わせ{n}", body="本文", work_item="C")
    client = client_for(bob)
    filters = {"status": ["received"], "work_item": ["C"]}
    body = client.get("/inquiries/", {"status": "received", "work_item": "C", "page": "2"})
    assert pager_links(body.content.decode()) == {
        "prev": filters | {"page": ["1"]},
        "next": filters | {"page": ["3"]},
    }
