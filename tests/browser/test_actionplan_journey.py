"""札幌市 enters and completes B, round-trips the sheet and sees the history; 函館市 is kept out."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import log_in


@pytest.fixture
def plan_demo(demo):
    from actionplan import demo as actionplan_demo
    from actionplan import seed

    seed.load()
    actionplan_demo.load()
    return demo


def row(page, task: str):
    return page.locator("tbody.plan-row").filter(has=page.get_by_role("rowheader", name=task))


def test_sapporo_plans_completes_and_round_trips_b(page, plan_demo, tmp_path):
    log_in(page, "sapporo@demo.example")
    page.goto("/orgs/011002/plan/")
    expect(page.get_by_role("heading", name="北海道 札幌市")).to_be_visible()

    # Plan dates for B, in place (htmx swaps the row; the page does not reload).
    page.evaluate("window.__same_page = true")
    page.get_by_role("link", name="住民票記載事項の追加を編集").click()
    page.get_by_label("計画開始").fill("2015-04-01")
    page.get_by_label("計画終了").fill("2015-09-30")
    page.get_by_role("button", name="保存").click()
    entered = row(page, "住民票記載事項の追加")
    expect(entered).to_contain_text("保存しました。")
    expect(entered).to_contain_text("2015/04/01〜2015/09/30")
    assert page.evaluate("window.__same_page") is True

    # Keyboard: the form opens focused on its first field; Esc puts the row back.
    edit_link = entered.get_by_role("link", name="住民票記載事項の追加を編集")
    edit_link.click()
    expect(page.get_by_label("計画開始")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("form.entry-form")).to_have_count(0)
    expect(
        row(page, "住民票記載事項の追加").get_by_role("link", name="住民票記載事項の追加を編集")
    ).to_be_focused()

    # 完了 is refused until the completion item is answered.
    row(page, "住民票記載事項の追加").get_by_role("link", name="住民票記載事項の追加を編集").click()
    page.get_by_label("実績開始").fill("2015-04-06")
    page.get_by_label("実績終了").fill("2015-09-25")
    page.get_by_label("状況").select_option(label="完了")
    page.get_by_role("button", name="保存").click()
    expect(
        # exact: the message next to the field (the summary and the live region repeat it)
        page.get_by_text("完了にするには「本番環境での動作確認」を入力してください。", exact=True)
    ).to_be_visible()
    page.get_by_label("本番環境での動作確認").select_option(label="はい")
    page.get_by_role("button", name="保存").click()
    done = row(page, "住民票記載事項の追加")
    expect(done).to_contain_text("保存しました。")
    expect(done.locator(".badge").first).to_have_text("完了")

    # Download the sheet, change a date offline, upload it back.
    with page.expect_download() as download:
        page.get_by_role("link", name="Excelでダウンロード").click()
    downloaded = tmp_path / "downloaded.xlsx"
    download.value.save_as(downloaded)
    book = load_workbook(downloaded)
    sheet = book["計画"]
    target = next(r for r in sheet.iter_rows(min_row=2) if r[3].value == "住基ネットとの連携")
    target[7].value = "2015/09/15"  # 計画終了
    changed = tmp_path / "plan.xlsx"
    book.save(changed)
    page.get_by_role("link", name="Excelから取り込む").click()
    page.get_by_label("計画のExcelファイル（.xlsx）").set_input_files(str(changed))
    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_text("1件を更新しました。")).to_be_visible()
    page.get_by_role("link", name="計画を表示").click()

    # The change and its history are on the entry.
    linked = row(page, "住基ネットとの連携")
    expect(linked).to_contain_text("〜2015/09/15")
    linked.get_by_text("変更履歴").click()
    history = linked.locator(".history-list")
    expect(history).to_contain_text("札幌 一郎")
    expect(history).to_contain_text("計画終了: （空欄） → 2015/09/15")


def test_hakodate_cannot_open_sapporos_plan(page, plan_demo):
    log_in(page, "hakodate@demo.example")
    response = page.goto("/orgs/011002/plan/")
    assert response.status == 404
    assert page.goto("/orgs/011002/plan.xlsx").status == 404
    assert page.goto("/orgs/012025/plan/").status == 200
