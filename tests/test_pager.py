"""The one pager include (templates/includes/pager.html): each link is the current address
with only ``page`` changed, so every filter survives paging, repeated keys too."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def pager_links(body: str) -> dict[str, dict[str, list[str]]]:
    """The pager's 前へ/次へ links as parsed query strings, by ``rel``."""
    start = body.index('class="pager"')
    pager = body[start : body.index("</nav>", start)]
    return {
        rel: parse_qs(urlsplit(unescape(href)).query)
        for href, rel in re.findall(r'<a href="([^"]*)" rel="(prev|next)">', pager)
    }


def render_pager(address: str, *, items: int = 10, size: int = 3) -> str:
    request = RequestFactory().get(address)
    page = Paginator(range(items), size).get_page(request.GET.get("page"))
    return render_to_string("includes/pager.html", {"page": page}, request=request)


def test_links_keep_every_filter_and_change_only_the_page():
    body = render_pager("/x/?q=札幌&state=a&state=b&page=2")
    links = pager_links(body)
    assert links["prev"] == {"q": ["札幌"], "state": ["a", "b"], "page": ["1"]}
    assert links["next"] == {"q": ["札幌"], "state": ["a", "b"], "page": ["3"]}
    assert "2 / 4 ページ" in body


def test_first_and_last_pages_link_one_way_only():
    assert set(pager_links(render_pager("/x/?q=a"))) == {"next"}
    assert set(pager_links(render_pager("/x/?q=a&page=4"))) == {"prev"}


def test_one_page_shows_no_pager():
    assert "pager" not in render_pager("/x/?q=a", items=3)
