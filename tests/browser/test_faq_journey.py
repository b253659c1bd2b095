"""FAQ journey in real Chromium: half-width search, a question nobody asked, answered and
published by an editor, then seen by the city that asked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import log_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ABSENT = "住民票コードの桁数"


@pytest.fixture
def faq_seed(demo, settings, tmp_path):
    from faq import seed

    settings.MEDIA_ROOT = tmp_path / "media"
    seed.load()
    return demo


def _log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()


def _search(page, query: str) -> None:
    page.goto("/faq/")
    search = page.get_by_role("searchbox", name="キーワードで検索")
    search.fill(query)
    search.press("Enter")
    page.wait_for_url(re.compile(r"/faq/\?"))


def test_search_ask_answer_publish_and_see(page, faq_seed):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, "sapporo@demo.example")

    # Half-width kana finds the full-width entry, highlighted.
    _search(page, "中間ｻｰﾊﾞｰ")
    result = page.get_by_role("link", name="中間サーバーとは何ですか。")
    expect(result).to_be_visible()
    expect(page.locator("mark").first).to_have_text("中間サーバー")
    page.screenshot(path=SCREENSHOTS / "faq-search.png", full_page=True)
    result.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("中間サーバーとは何ですか。")
    expect(page.locator(".faq-answer")).to_contain_text("全国2箇所")

    # Something nobody asked yet: 質問する with the query filled in.
    _search(page, ABSENT)
    expect(page.get_by_text("該当するFAQは見つかりませんでした")).to_be_visible()
    page.locator(".faq-nohit").get_by_role("link", name="質問する").click()
    expect(page.get_by_label("件名")).to_have_value(ABSENT)
    body = page.get_by_label("質問内容")
    expect(body).to_have_value(ABSENT)
    # While the question is typed, matching FAQs are suggested (htmx, on input).
    body.fill("")
    body.press_sequentially("中間サーバーの予算")
    suggestions = page.locator("#faq-suggestions")
    expect(
        suggestions.get_by_role("link", name=re.compile("中間サーバーとは何ですか"))
    ).to_be_visible()
    body.fill(ABSENT)
    page.screenshot(path=SCREENSHOTS / "faq-inquiry-form.png", full_page=True)
    page.get_by_role("button", name="送信する").click()
    expect(page.get_by_text("問い合わせを受け付けました")).to_be_visible()
    inquiry_url = page.url
    assert re.search(r"/inquiries/\d+/$", inquiry_url)
    assert any("受け付けました" in m.subject for m in mail.outbox)
    _log_out(page)

    # The editor assigns, answers and publishes it as a FAQ in one step.
    log_in(page, "editor@demo.example")
    page.goto("/inquiries/")
    page.get_by_role("link", name=ABSENT).click()
    page.get_by_label("担当者").select_option(label="編集 三郎（editor@demo.example）")
    page.get_by_role("button", name="担当を割り当てる").click()
    expect(page.locator(".inquiry-status")).to_have_text("担当割当")
    page.locator("#id_answer").fill("住民票コードは11桁の数字です。")
    page.get_by_role("button", name="回答を送る").click()
    expect(page.locator(".inquiry-status")).to_have_text("回答済")
    expect(page.get_by_label("FAQの質問")).to_have_value(ABSENT)
    page.screenshot(path=SCREENSHOTS / "faq-inquiry-editor.png", full_page=True)
    page.get_by_role("button", name="FAQとして公開する").click()
    expect(page.get_by_text("としてFAQに公開しました")).to_be_visible()
    faq_url = page.url
    assert re.search(r"/faq/FAQ-\d{4}/$", faq_url)
    _log_out(page)

    # The city sees the answer and the new FAQ.
    log_in(page, "sapporo@demo.example")
    page.goto(inquiry_url)
    expect(page.locator(".inquiry-answer")).to_contain_text("住民票コードは11桁の数字です。")
    expect(page.locator(".inquiry-status")).to_have_text("回答済")
    _search(page, "住民票ｺｰﾄﾞ")
    page.get_by_role("link", name=ABSENT).click()
    expect(page).to_have_url(faq_url)
    expect(page.locator(".faq-answer")).to_contain_text("住民票コードは11桁の数字です。")
    page.get_by_role("button", name="役に立った").click()
    expect(page.get_by_text("ご意見ありがとうございました。")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "faq-published.png", full_page=True)
    to_sapporo = [m.subject for m in mail.outbox if m.to == ["sapporo@demo.example"]]
    assert len(to_sapporo) == 3  # 受付, 担当割当, 回答済
    assert any("回答しました" in subject for subject in to_sapporo)
    assert any(m.to == ["editor@demo.example"] for m in mail.outbox)  # the assignee
