"""Journey: with two published programmes, 札幌市's staff switch the plan page from one to the
other with the keyboard alone (the switcher is a plain form: no script), and the page, its
links and its address then name the programme chosen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

D = dt.date


def _programme(name: str, starts_on: dt.date, task: str):
    from actionplan import publishing, services

    programme = services.load_programme(
        {
            "name": name,
            "starts_on": starts_on,
            "ends_on": D(2030, 12, 31),
            "plan_deadline": D(2030, 6, 30),
            "work_items": [
                {
                    "code": "A",
                    "name": "計画・準備",
                    "tasks": [{"name": task, "milestones": [{"due_on": D(2030, 9, 30)}]}],
                }
            ],
        }
    )
    publishing.publish(programme)
    return programme


@pytest.fixture
def two_programmes(transactional_db):
    from tests.factories import MunicipalityFactory, PrefectureFactory, UserFactory

    hokkaido = PrefectureFactory(code="010006", name="北海道")
    sapporo = MunicipalityFactory(code="011002", name="札幌市", prefecture=hokkaido)
    UserFactory(email="staff@city.sapporo.lg.jp", organization=sapporo)
    older = _programme("番号制度導入（試験）", D(2015, 1, 1), "住民への広報")
    newer = _programme("システム標準化（試験）", D(2021, 1, 1), "移行計画の策定")
    return older, newer


def test_staff_switch_the_plan_page_to_another_programme_by_keyboard(page, two_programmes):
    older, newer = two_programmes
    log_in(page, "staff@city.sapporo.lg.jp", "correct-horse-battery")
    page.goto("/orgs/011002/plan/")
    # The default is the newest open programme.
    expect(page.get_by_role("rowheader", name="移行計画の策定")).to_be_visible()
    switcher = page.get_by_label("プログラム")
    expect(switcher).to_have_value(str(newer.pk))
    switcher.focus()
    page.keyboard.press("ArrowDown")  # the next option: the older programme
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="切り替える")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/orgs/011002/plan/\?programme={older.pk}$"))
    expect(page.get_by_role("rowheader", name="住民への広報")).to_be_visible()
    expect(page.get_by_role("rowheader", name="移行計画の策定")).to_have_count(0)
    expect(page.get_by_label("プログラム")).to_have_value(str(older.pk))
    download = page.get_by_role("link", name="Excelでダウンロード")
    expect(download).to_have_attribute("href", f"/orgs/011002/plan.xlsx?programme={older.pk}")
