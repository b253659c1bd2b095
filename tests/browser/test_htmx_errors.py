"""A failing htmx save says so, in Japanese, in the form that was sent (js/htmx-errors.js)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in


@pytest.fixture
def plan_demo(demo):
    from actionplan import demo as actionplan_demo
    from actionplan import seed

    seed.load()
    actionplan_demo.load()
    return demo


def test_a_failing_save_shows_a_message_in_its_form(page, plan_demo):
    from actionplan.models import PlanEntry

    log_in(page, "sapporo@demo.example")
    page.goto("/orgs/011002/plan/")
    page.get_by_role("link", name="住民票記載事項の追加を編集").click()
    expect(page.get_by_label("計画開始")).to_be_focused()  # the form is in place and settled
    page.get_by_label("備考").fill("落ちても消えない")
    form = page.locator("form.entry-form")

    def server_error(route):
        if route.request.method == "POST":
            route.fulfill(status=500, body="Internal Server Error")
        else:
            route.continue_()

    page.route("**/plan/entries/*/edit/", server_error)
    page.get_by_role("button", name="保存").click()
    alert = form.locator(".htmx-error[role=alert]")
    expect(alert).to_have_text(
        "エラーが発生したため、処理できませんでした。時間をおいてもう一度お試しください。"
    )
    expect(page.get_by_label("備考")).to_have_value("落ちても消えない")  # nothing typed is lost

    page.unroute("**/plan/entries/*/edit/")
    page.route("**/plan/entries/*/edit/", lambda route: route.abort("connectionrefused"))
    page.get_by_role("button", name="保存").click()
    expect(alert).to_have_text(
        "サーバーに接続できませんでした。時間をおいてもう一度お試しください。"
    )
    assert not PlanEntry.objects.filter(remarks="落ちても消えない").exists()

    page.unroute("**/plan/entries/*/edit/")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("tbody.plan-row", has_text="保存しました。")).to_be_visible()
    expect(page.locator(".htmx-error")).to_have_count(0)
    assert PlanEntry.objects.filter(remarks="落ちても消えない").count() == 1
