from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import log_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_sapporo_logs_in_sees_the_city_and_logs_out(page, demo):
    log_in(page, "sapporo@demo.example")
    # A second visit, so 前回ログイン shows the first one.
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    log_in(page, "sapporo@demo.example")

    expect(
        page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="TOP")
    ).to_be_visible()
    expect(page.locator(".org-name")).to_have_text("北海道 札幌市")
    expect(page.locator(".user-box")).to_contain_text("前回ログイン: 20")
    expect(page.locator(".user-box")).to_contain_text("札幌 一郎 さん")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "top-sapporo.png", full_page=True)

    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()


def test_wrong_password_shows_the_error_next_to_the_form(page, demo):
    page.goto("/accounts/login/")
    page.get_by_label("メールアドレス").fill("sapporo@demo.example")
    page.get_by_label("パスワード").fill("wrong-password")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("alert")).to_contain_text("メールアドレス")
