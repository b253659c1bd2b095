from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import log_in


def test_hokkaido_issues_an_account_for_hakodate_who_activates_and_logs_in(page, demo):
    log_in(page, "hokkaido@demo.example")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="管理").click()
    page.get_by_role("link", name="アカウントの発行・停止").click()
    expect(page.get_by_role("heading", name="アカウント一覧")).to_be_visible()
    page.get_by_role("link", name="アカウント発行").click()

    page.get_by_role("combobox", name="団体 必須").select_option(label="北海道 函館市")
    page.get_by_label("氏名").fill("函館 新太郎")
    page.get_by_label("メールアドレス").fill("shintaro@city.hakodate.example")
    page.get_by_label("所属部署").fill("市民部 戸籍住民課")
    page.get_by_label("役割").select_option(label="担当者")
    page.get_by_role("button", name="発行する").click()
    expect(page.get_by_role("status")).to_contain_text("函館 新太郎 さんのアカウントを発行し")
    expect(page.locator(".facts")).to_contain_text("発行済（未設定）")

    (message,) = [m for m in mail.outbox if m.to == ["shintaro@city.hakodate.example"]]
    link = re.search(r"http://\S+/accounts/activate/\S+/", message.body).group(0)
    path = link.split("/accounts/activate/")[1]

    newcomer = page.context.browser.new_context(
        base_url=page.url.split("/manage")[0], locale="ja-JP"
    )
    new_page = newcomer.new_page()
    new_page.goto(f"/accounts/activate/{path}")
    expect(new_page.get_by_role("heading", name="パスワードの設定")).to_be_visible()
    new_page.get_by_label(re.compile(r"^新しいパスワード\s*必須$")).fill("Hakodate-Shintaro-2015")
    new_page.get_by_label(re.compile("確認")).fill("Hakodate-Shintaro-2015")
    new_page.get_by_role("button", name="設定する").click()
    expect(new_page.get_by_role("heading", name="ログイン")).to_be_visible()
    log_in(new_page, "shintaro@city.hakodate.example", "Hakodate-Shintaro-2015")
    expect(new_page.locator(".org-name")).to_have_text("北海道 函館市")
    newcomer.close()

    page.reload()
    expect(page.locator(".facts")).to_contain_text("利用中")
    page.get_by_role("link", name="アカウント一覧").click()
    row = page.get_by_role("row", name=re.compile("函館 新太郎"))
    expect(row).to_contain_text("利用中")
