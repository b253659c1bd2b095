"""The inquiry form suggests FAQs while the question is typed, in real Chromium: typed key by
key, committed from an IME (an ``input`` event without key events), and typed as a reading."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in


@pytest.fixture
def faq_seed(demo):
    from faq import seed, services

    seed.load()
    services.create_faq(
        question="国民年金の資格取得の届出について", answer="<p>窓口で受け付けます。</p>"
    )
    services.create_faq(question="年金の下書き", answer="<p>未公開</p>", is_published=False)
    return demo


def test_suggestions_appear_while_typing(page, faq_seed):
    log_in(page, "sapporo@demo.example")
    page.goto("/inquiries/new/")
    suggestions = page.locator("#faq-suggestions")
    count = page.locator("#faq-suggestion-count")
    expect(count).to_have_attribute("aria-live", "polite")

    # Committed from an IME: one input event, no keyup (what real Japanese typing sends).
    subject = page.get_by_label("件名")
    subject.focus()
    page.keyboard.insert_text("ねんきんの届出")
    pension = suggestions.get_by_role("link", name=re.compile("国民年金の資格取得"))
    expect(pension).to_be_visible()
    expect(count).to_contain_text("件")
    expect(suggestions).not_to_contain_text("年金の下書き")  # drafts are never suggested

    # Typed key by key into the body, in half-width katakana: the list follows.
    subject.fill("")
    body = page.get_by_label("質問内容")
    body.press_sequentially("ﾁｭｳｶﾝｻｰﾊﾞｰの予算")
    middle = suggestions.get_by_role("link", name=re.compile("中間サーバーとは何ですか"))
    expect(middle).to_be_visible()

    # The list is reachable from the keyboard: Tab from the last field reaches a suggestion.
    middle.focus()
    expect(middle).to_be_focused()
