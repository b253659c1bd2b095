"""The survey desk in a real browser: 函館市 finishes its draft (the conditional question
follows its answer) and submits; 北海道 sees its municipalities and sends 札幌市's answer back
with a comment; 厚生労働省 follows the live rate and gets the results workbook."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import log_in


@pytest.fixture
def desk(demo):
    from surveys import demo as survey_demo

    survey_demo.load()
    return demo


def log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()


def test_answer_relay_and_follow_a_survey(page, desk):
    from surveys.demo import TITLE

    # 函館市 continues its draft; 職員数 is asked only while 窓口 is はい.
    log_in(page, "hakodate@demo.example")
    page.get_by_role("link", name="照会・調査").click()
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_load_state()
    staff = page.locator("[data-question]").filter(has_text="窓口の担当職員数")
    expect(staff).to_be_visible()
    page.get_by_label("いいえ").first.check()
    expect(staff).to_be_hidden()
    page.get_by_label("はい").first.check()
    expect(staff).to_be_visible()
    staff.locator("input").fill("501")
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".field-error")).to_contain_text(
        "0人以上500人以下の数値を入力してください。"
    )
    page.locator("[data-question]").filter(has_text="窓口の担当職員数").locator("input").fill("2")
    page.get_by_role("button", name="提出する").click()
    expect(page.locator(".messages")).to_contain_text("回答を提出しました。")
    log_out(page)

    # 北海道 sees both answers and sends 札幌市's back with a comment.
    log_in(page, "hokkaido@demo.example")
    page.goto("/surveys/")
    page.get_by_role("link", name=TITLE).click()
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="札幌市")).to_contain_text("提出済み")
    expect(rows.filter(has_text="函館市")).to_contain_text("提出済み")
    rows.filter(has_text="札幌市").get_by_role("link").click()
    page.get_by_label("差戻しの理由").fill("職員数を再確認してください。")
    page.get_by_role("button", name="コメントを付けて差し戻す").click()
    expect(page.locator(".messages")).to_contain_text("回答を差し戻しました。")
    expect(page.locator(".facts")).to_contain_text("職員数を再確認してください。")
    log_out(page)

    # 厚生労働省 follows the live rate and builds the results workbook (in-process worker).
    log_in(page, "mhlw@demo.example")
    page.goto("/surveys/")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="回答状況").click()
    expect(page.locator("table").first).to_contain_text("北海道")
    page.goto(page.url.replace("tracking/", "results/"))
    page.get_by_role("button", name="集計表（Excel）を作成").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="ダウンロード").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    codes = {row[0]: row for row in book["回答"].iter_rows(min_row=2, values_only=True)}
    assert codes["012025"][3] == "提出済み"  # 函館市's submission is in the workbook
    assert codes["011002"][3] == "差戻し"
