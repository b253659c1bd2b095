"""Keyboard only: after a refused save, focus is on the field in error and the error is read out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

END_BEFORE_START = "計画終了日は計画開始日（2015/09/30）以降にしてください。"


@pytest.fixture
def plan_demo(demo):
    from actionplan import demo as actionplan_demo
    from actionplan import seed

    seed.load()
    actionplan_demo.load()
    return demo


def test_plan_form_focuses_the_field_in_error_and_announces_it(page, plan_demo):
    log_in(page, "sapporo@demo.example")
    page.goto("/orgs/011002/plan/")
    edit = page.get_by_role("link", name="住民票記載事項の追加を編集")
    edit.focus()
    page.keyboard.press("Enter")
    start = page.get_by_label("計画開始")
    expect(start).to_be_focused()
    start.fill("2015-09-30")
    page.get_by_label("計画終了").fill("2015-04-01")
    page.get_by_role("button", name="保存").focus()
    page.keyboard.press("Enter")

    end = page.get_by_label("計画終了")
    expect(end).to_have_attribute("aria-invalid", "true")
    # Focus on the field in error, not on the first field of the form.
    expect(end).to_be_focused()
    # Its message is tied to it …
    described = end.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_have_text(END_BEFORE_START)
    # … and read out by the live region that stays in the page.
    live = page.locator("#pmo-error-announcer")
    expect(live).to_have_attribute("aria-live", "assertive")
    expect(live).to_contain_text("入力内容にエラーがあります。")
    expect(live).to_contain_text(f"計画終了: {END_BEFORE_START}")
    # The summary on screen links to the field.
    expect(page.locator("[data-error-summary] a[href='#id_planned_end']")).to_contain_text(
        END_BEFORE_START
    )

    # Corrected from the keyboard, the save goes through.
    end.fill("2015-10-30")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#entry-" + _entry_id(page))).to_contain_text("保存しました。")
    expect(live).to_be_empty()


def _entry_id(page) -> str:
    return (
        page.locator("tbody.plan-row")
        .filter(has=page.get_by_role("rowheader", name="住民票記載事項の追加"))
        .get_attribute("id")
        .removeprefix("entry-")
    )


def test_an_ordinary_form_focuses_and_announces_its_error(page, plan_demo):
    log_in(page, "sapporo@demo.example")
    page.goto("/orgs/011002/plan/upload/")
    page.get_by_role("button", name="取り込む").click()
    field = page.get_by_label("計画のExcelファイル（.xlsx）")
    expect(field).to_be_focused()
    expect(page.locator("#pmo-error-announcer")).to_contain_text("ファイルを選んでください。")
