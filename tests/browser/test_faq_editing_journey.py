"""FAQ editing in real Chromium: an editor creates an FAQ, corrects it, is told what was
wrong, unpublishes it; city staff find it by search only while it is published."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def faq_seed(demo):
    from faq import seed

    seed.load()
    return demo


def test_editor_creates_edits_and_unpublishes(page, faq_seed):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, "editor@demo.example")
    page.goto("/faq/")
    page.locator(".faq-head").get_by_role("link", name="新規作成").click()
    page.get_by_label("質問").fill("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞの申請窓口はどこですか。")
    page.get_by_label("回答").fill("市区町村の窓口です。\n\n郵送でも申請できます。")
    page.get_by_label("関連するFAQ").fill("FAQ-9999")
    page.get_by_role("button", name="保存").click()

    # A number nobody has: said next to the field, nothing saved, nothing typed lost.
    expect(page.locator("#id_related_error")).to_have_text("FAQ-9999 というFAQはありません。")
    expect(page.get_by_label("質問")).to_have_value("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞの申請窓口はどこですか。")
    page.screenshot(path=SCREENSHOTS / "faq-edit-error.png", full_page=True)
    page.get_by_label("関連するFAQ").fill("FAQ-0001")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("を作成しました。")).to_be_visible()
    expect(page.locator(".faq-answer p")).to_have_count(2)
    number = page.locator(".faq-entry__number").inner_text()

    # Correct it from the detail page; who changed it is shown to editors.
    page.get_by_role("link", name="編集", exact=True).click()
    page.get_by_label("トピック").fill("申請")
    page.screenshot(path=SCREENSHOTS / "faq-edit-form.png", full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(f"{number} を更新しました。")).to_be_visible()
    expect(page.locator(".faq-last-change")).to_contain_text("さん")
    page.screenshot(path=SCREENSHOTS / "faq-edit-detail.png", full_page=True)

    page.get_by_role("button", name="非公開にする").click()
    expect(page.get_by_text("非公開にしました。")).to_be_visible()
    expect(page.get_by_role("button", name="公開する")).to_be_visible()
    page.get_by_role("button", name="ログアウト").click()

    log_in(page, "sapporo@demo.example")
    page.goto("/faq/?q=まいなんばーかーど")
    expect(page.get_by_text("該当するFAQは見つかりませんでした")).to_be_visible()
    assert page.goto(f"/faq/{number}/").status == 404
