"""Under the Content-Security-Policy the scripted pages still work, and the browser refuses
nothing: allauth's password reset, the review page's Chart.js charts, the plan page's timeline
and htmx edit, allauth's 2FA step and TOTP set-up (its QR code is a data: image) and the Django
admin's change list and forms.

The recorder in conftest.py (``csp_record``) also fails the test at teardown; the explicit
asserts here say which pages were read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in


@pytest.fixture
def content(demo):
    from actionplan import demo as plan_demo
    from actionplan import seed
    from review import demo as review_demo

    seed.load()
    plan_demo.load()
    review_demo.load()
    return demo


def _drawn(page, canvas_id: str) -> bool:
    """Chart.js made a chart on the canvas and sized it (through the CSSOM, which CSP allows)."""
    return page.evaluate(
        """(id) => {
          const canvas = document.getElementById(id);
          const chart = window.Chart && Chart.getChart(canvas);
          return !!chart && canvas.width > 0 && canvas.height > 0;
        }""",
        canvas_id,
    )


def _visited(record, path: str) -> bool:
    return any(path in url.split("?")[0] for url in record.checked)


def test_charts_htmx_totp_and_admin_work_with_no_violation(page, content, csp_record, mailoutbox):
    # allauth's password reset, from the request to the form the mailed link opens.
    page.goto("/accounts/password/reset/")
    page.get_by_label("メールアドレス").fill("hakodate@demo.example")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/password/reset/done/")
    # The mailed link is on SITE_URL; follow its path on the test server.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mailoutbox[-1].body)
    page.goto(link.group(1))
    expect(page.locator("input[type=password]").first).to_be_visible()

    # The review page: three charts drawn by the vendored Chart.js from a json_script block.
    log_in(page, "mhlw@demo.example")
    page.goto("/review/")
    page.wait_for_function("window.Chart !== undefined")
    for canvas in ("chart-rules", "chart-items", "chart-prefs"):
        page.wait_for_function(
            "(id) => window.Chart && Chart.getChart(document.getElementById(id))", arg=canvas
        )
        assert _drawn(page, canvas), canvas

    # The plan page: the SVG timeline is placed, the edit form comes in place through htmx,
    # Esc (plan.js, no htmx eval) puts the row back, and a save swaps the row.
    page.context.clear_cookies()
    log_in(page, "sapporo@demo.example")
    page.goto("/orgs/011002/plan/")
    ticks = page.locator("svg.timeline-scale text")
    assert ticks.count() > 1
    first, last = ticks.first.bounding_box(), ticks.last.bounding_box()
    assert last["x"] > first["x"] + 50  # spread over the column, not piled at its left edge
    page.evaluate("window.__same_page = true")
    task = page.locator("tbody.plan-row").filter(
        has=page.get_by_role("rowheader", name="住民票記載事項の追加")
    )
    task.get_by_role("link", name="住民票記載事項の追加を編集").click()
    expect(page.get_by_label("計画開始")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("form.entry-form")).to_have_count(0)
    task.get_by_role("link", name="住民票記載事項の追加を編集").click()
    page.get_by_label("計画開始").fill("2015-04-01")
    page.get_by_label("計画終了").fill("2015-09-30")
    page.get_by_role("button", name="保存").click()
    expect(task).to_contain_text("保存しました。")
    plan_bar = task.locator("svg.timeline rect.bar--plan")
    expect(plan_bar).to_have_attribute("x", re.compile(r"^\d+\.\d\d%$"))
    assert plan_bar.bounding_box()["width"] > 20
    assert page.evaluate("window.__same_page") is True

    # allauth's TOTP set-up (after the password again): the QR code, a data: image, shows.
    page.goto("/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:
        page.get_by_label("パスワード").fill("pmo-demo-2015")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/accounts/2fa/totp/activate/")
    qr = page.locator("img[src^='data:image/svg+xml']")
    expect(qr).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth > 0", qr.element_handle())

    # The Django admin: index, a change list with its filters and actions, a change form with
    # date widgets (calendar pop-up), and the user form's two-box permission selector.
    page.context.clear_cookies()
    log_in(page, "admin@demo.example")
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_contain_text("Digital PMO")
    page.goto("/admin/actionplan/planentry/")
    expect(page.locator("#changelist-filter")).to_be_visible()
    page.goto("/admin/actionplan/programme/")
    page.locator("#result_list tbody tr a").first.click()
    page.wait_for_url("**/change/")
    calendar = page.locator(".datetimeshortcuts a[id^='calendarlink']").first
    calendar.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    page.goto("/admin/accounts/user/add/")
    expect(page.locator("form#user_form")).to_be_visible()
    page.goto("/admin/auth/group/add/")
    expect(page.locator(".selector-available")).to_be_visible()  # SelectFilter2 ran

    for path in (
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/",
        "/review/",
        "/orgs/011002/plan/",
        "/accounts/2fa/totp/activate/",
        "/admin/",
        "/admin/actionplan/planentry/",
        "/admin/actionplan/programme/",
        "/change/",
        "/admin/accounts/user/add/",
        "/admin/auth/group/add/",
    ):
        assert _visited(csp_record, path), (path, csp_record.checked)
    assert csp_record.wrong_headers == []
    assert csp_record.violations == []
