"""Every link a demo person is shown in a menu opens: the top bar (pmo/navigation.py
nav_items), the 管理 page's list (manage_links) and every section's sub-menu (進捗確認's,
the account pages'), as each of the demo people, logged in with the demo password through
the test client. The issue: staff, the account manager and the editor were shown 遅延一覧 and
計画の確認 under 進捗確認 (on the follow-ups page, which everyone may open) and got 404.
"""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from accounts.demo import DEFAULT_PASSWORD, DEMO_ACCOUNTS

# Pages that carry a section sub-menu and that some people reach without the top bar (TOP
# links to the follow-ups for answers to read): the crawl starts from them as well.
SECTION_PAGES = ("/review/follow-ups/", "/manage/accounts/")


class Menus(HTMLParser):
    """The links of the page's sub-menus (nav.subnav) and of the 管理 page's list."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self._depth = 0  # inside a menu: how many open tags deep

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if self._depth:
            self._depth += tag not in ("br", "img", "input")
            if tag == "a" and (attrs.get("href") or "").startswith("/"):
                self.links.append(attrs["href"])
        elif (tag == "nav" and "subnav" in classes) or (tag == "ul" and "link-list" in classes):
            self._depth = 1

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1


def menu_links(html: str) -> list[str]:
    parser = Menus()
    parser.feed(html)
    return parser.links


def test_the_parser_finds_sub_menu_links_only():
    html = (
        '<nav class="subnav"><ul><li><a href="/review/">全国</a></li>'
        '<li><a href="/review/late/?programme=1">遅延</a></li></ul></nav>'
        '<p><a href="/elsewhere/">x</a></p><ul class="link-list"><li><a href="/manage/x/">y</a>'
        "</li></ul>"
    )
    assert menu_links(html) == ["/review/", "/review/late/?programme=1", "/manage/x/"]


@pytest.fixture
def everything(db, settings):
    """The organisations, the shipped content and the demo accounts and data, as `make run`."""
    call_command("load_reference_data", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    settings.MFA_REQUIRED = False  # the password is checked; the second factor is not here


def shown(client) -> dict[str, str]:
    """Every menu link the signed-in person is shown, with where it was shown."""
    top = client.get("/")
    found = {item.url: "top bar" for item in top.context["nav_items"]}
    pages = list(found) + [page for page in SECTION_PAGES if page not in found]
    seen: set[str] = set()
    while pages:
        page = pages.pop(0)
        if page in seen:
            continue
        seen.add(page)
        response = client.get(page, follow=True)
        if response.status_code != 200:
            continue  # a section page this person may not open shows them no menu
        for link in menu_links(response.content.decode()):
            if link not in found:
                found[link] = f"menu of {page}"
                pages.append(link)
    return found


def test_every_menu_link_opens_for_every_demo_person(client, everything):
    problems, counts = [], {}
    for account in DEMO_ACCOUNTS:
        assert client.login(username=account.email, password=DEFAULT_PASSWORD), account.email
        links = shown(client)
        counts[account.email] = len(links)
        for url, where in links.items():
            status = client.get(url, follow=True).status_code
            if status != 200:
                problems.append(f"{account.email} ({account.role}): {url} ({where}) → {status}")
        client.logout()
    assert problems == [], "\n".join(problems)
    # Each person was shown something beyond the top bar's five entries.
    assert all(count >= 5 for count in counts.values()), counts
