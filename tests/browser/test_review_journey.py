"""Journey: a task passes its planned end, scan_delays flags 札幌市, the ministry sees it in the
late list and opens a follow-up, 札幌市 answers it, and the meeting report lists it."""

from __future__ import annotations

import datetime as dt
import io
import re

from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import log_in

D = dt.date


def _sapporo_plans_e(demo):
    """札幌市 plans E. 業務定義 to end on 2015/09/30 and starts it (as its staff would)."""
    from actionplan import demo as plan_demo
    from actionplan import seed, services
    from actionplan.models import PlanEntry

    seed.load()
    plan_demo.load()
    entry = PlanEntry.objects.get(organization__code="011002", task__name="業務定義")
    data = {
        "planned_start": D(2015, 6, 1),
        "planned_end": D(2015, 9, 30),
        "actual_start": D(2015, 6, 1),
        "status": "in_progress",
    }
    services.save_entry(
        demo["sapporo@demo.example"], entry.pk, data, entry.version, on=D(2015, 7, 1)
    )
    return entry


def _scan(day: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("scan_delays", "--date", day, *extra, stdout=out)
    return out.getvalue()


def test_late_task_is_flagged_followed_up_answered_and_reported(page, demo):
    from review.models import DelayFlag

    entry = _sapporo_plans_e(demo)
    # On its planned end day nothing about it is late yet.
    _scan("2015-09-30", "--all")
    assert not DelayFlag.objects.filter(entry=entry, resolved_at=None, rule="end_overdue").exists()
    # The day after, the nightly job flags it.
    line = _scan("2015-10-01")
    assert re.search(r"entries judged: [1-9]\d*, flags raised: [1-9]", line), line
    assert DelayFlag.objects.filter(entry=entry, resolved_at=None, rule="end_overdue").exists()

    # The ministry responsible for E sees 札幌市 in the late list and opens a follow-up.
    log_in(page, "mhlw@demo.example")
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="進捗確認"
    ).click()
    expect(page.get_by_role("heading", name=re.compile("進捗確認"))).to_be_visible()
    page.get_by_role("link", name="遅延一覧").click()
    page.get_by_label("遅延の種類").select_option(label="終了遅延")
    page.get_by_role("button", name="絞り込む").click()
    row = page.get_by_role("row", name=re.compile("札幌市"))
    expect(row).to_contain_text("業務定義")
    row.get_by_role("link", name="北海道 札幌市").click()
    expect(page.locator(".org-name")).to_have_text("北海道 札幌市")
    page.get_by_role("link", name="フォローアップを起票").click()
    page.get_by_label("作業項目").select_option(label="E. 番号利用事務移行")
    page.get_by_label("原因").select_option(label="ベンダー")
    page.get_by_label("対応策").fill("ベンダーと工程を再調整し、10月末までに完了計画を提出する。")
    due = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    page.get_by_label("対応期限").fill(due)
    page.get_by_role("button", name="起票する").click()
    expect(page.get_by_role("status")).to_contain_text("フォローアップを登録しました")

    # 札幌市 sees it from its own page and answers.
    page.context.clear_cookies()
    log_in(page, "sapporo@demo.example")
    # Staff have no 進捗確認 in the top bar; /review/ takes them to their organisation's page.
    page.goto("/review/")
    expect(page.locator(".org-name")).to_have_text("北海道 札幌市")
    page.get_by_role("link", name=re.compile("ベンダー")).click()
    expect(page.locator(".facts")).to_contain_text("ベンダーと工程を再調整")
    page.get_by_label("内容").fill("委託先と協議し、11月15日に完了する計画に改めました。")
    page.get_by_role("button", name="回答する").click()
    expect(page.locator(".facts")).to_contain_text("回答あり")
    expect(page.get_by_text("11月15日に完了する計画")).to_be_visible()

    # The meeting report as of today lists 札幌市 with the follow-up's state.
    page.context.clear_cookies()
    log_in(page, "mhlw@demo.example")
    page.goto("/review/")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="会議資料をダウンロード").click()
    book = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    rows = {row[2].value: row[8].value for row in book["要フォローアップ団体"].iter_rows(min_row=3)}
    assert rows.get("札幌市") == "回答あり"
