"""The screen tour (tests/browser/test_screens_tour.py) opens every main page: each named URL
pattern of the portal is a page of the tour or listed, with the reason, as no page of its own."""

from __future__ import annotations

from tests.browser.tour_pages import MAIN_PAGES, NOT_PAGES, VARIANTS, portal_patterns


def test_every_url_pattern_is_a_toured_page_or_says_why_not():
    patterns = set(portal_patterns())
    missing = sorted(patterns - MAIN_PAGES.keys() - NOT_PAGES.keys())
    assert missing == [], f"URL patterns neither in the screen tour nor in NOT_PAGES: {missing}"


def test_the_tour_names_only_patterns_that_exist():
    patterns = set(portal_patterns())
    assert sorted((MAIN_PAGES.keys() | NOT_PAGES.keys()) - patterns) == []
    assert MAIN_PAGES.keys().isdisjoint(NOT_PAGES.keys())
    assert {name.split("?")[0] for name in VARIANTS} <= MAIN_PAGES.keys()


def test_a_new_pattern_would_fail_the_check(monkeypatch):
    from tests.browser import tour_pages

    monkeypatch.setattr(
        tour_pages, "own_patterns", lambda: [("faq:brand_new", "faq.views"), ("top", "pmo.views")]
    )
    assert set(tour_pages.portal_patterns()) - MAIN_PAGES.keys() - NOT_PAGES.keys() == {
        "faq:brand_new"
    }
