"""A plan longer than ``selectors.PAGE_ROWS`` rows is shown one work item, and one page of
it, at a time; a long list of target systems a page at a time. (PAGE_ROWS is made small
here: the seed plan of 札幌市 with a few target systems stands in for a 5,000-row plan.)"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplan import publishing, selectors
from actionplan.models import PlanEntry
from actionplan.views import plan as plan_views
from tests.actionplan.test_views import add_systems, edit_data

PAGE = 5


@pytest.fixture
def long_plan(plan, sapporo, programme, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_ROWS", PAGE)
    add_systems(sapporo, 2)  # with the plan's two: G has 3 tasks × 4 systems = 12 rows
    publishing.ensure_entries(sapporo, programme)
    return PlanEntry.objects.for_plan(sapporo, programme)


def plan_url(organization, **query) -> str:
    base = reverse("actionplan:plan", args=[organization.code])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(body: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tbody id="entry-(\d+)" class="plan-row', body)]


def g_rows(entries) -> list[int]:
    return [e.pk for e in entries if e.task.work_item.code == "G"]


def test_a_short_plan_is_shown_whole(client, alice, plan, sapporo):
    client.force_login(alice)
    body = client.get(plan_url(sapporo)).content.decode()
    assert shown(body) == [e.pk for e in plan]
    assert "plan-sections" not in body and 'rel="next"' not in body


def test_a_long_plan_is_shown_one_work_item_at_a_time(client, alice, long_plan, sapporo):
    client.force_login(alice)
    entries = list(long_plan)
    first_item = entries[0].task.work_item
    body = client.get(plan_url(sapporo)).content.decode()
    assert shown(body) == [e.pk for e in entries if e.task.work_item == first_item][:PAGE]
    # The index names every work item with its row count; the shown one is not a link.
    assert 'aria-current="page">A.' in body
    g = next(e.task.work_item for e in entries if e.task.work_item.code == "G")
    assert f"G. {g.name}（12 行）" in body
    assert re.search(r'href="\?item=G"', body)


def test_a_long_work_item_is_paged_and_the_pager_keeps_the_query(
    client, alice, long_plan, sapporo, programme
):
    client.force_login(alice)
    g = g_rows(long_plan)
    assert len(g) == 12
    first = client.get(plan_url(sapporo, programme=programme.pk, item="G")).content.decode()
    assert shown(first) == g[:PAGE]
    assert "1 / 3 ページ（12 行中 1〜5 行目）を表示しています" in first
    assert f'href="?programme={programme.pk}&amp;item=G&amp;page=2" rel="next"' in first
    second = client.get(plan_url(sapporo, programme=programme.pk, item="G", page=2))
    assert shown(second.content.decode()) == g[PAGE : 2 * PAGE]
    last = client.get(plan_url(sapporo, item="G", page=99)).content.decode()  # past the end
    assert shown(last) == g[2 * PAGE :]


def test_an_unknown_work_item_shows_the_first(client, alice, long_plan, sapporo):
    client.force_login(alice)
    default = shown(client.get(plan_url(sapporo)).content.decode())
    assert shown(client.get(plan_url(sapporo, item="ZZ")).content.decode()) == default


def test_a_page_of_a_long_plan_takes_the_queries_of_the_first(client, alice, long_plan, sapporo):
    client.force_login(alice)
    client.get(plan_url(sapporo))
    with CaptureQueriesContext(connection) as first:
        client.get(plan_url(sapporo, item="G"))
    with CaptureQueriesContext(connection) as third:
        client.get(plan_url(sapporo, item="G", page=3))
    assert len(third) == len(first)


def test_place_finds_the_work_item_and_page_of_an_entry(long_plan, plan, sapporo):
    g = g_rows(long_plan)
    entry = PlanEntry.objects.get(pk=g[7])
    assert selectors.place(entry) == {"item": "G", "page": 2}
    a_row = PlanEntry.objects.get(pk=long_plan[0].pk)
    assert selectors.place(a_row) == {"item": a_row.task.work_item.code}


def test_place_of_a_short_plan_is_the_page_itself(plan):
    assert selectors.place(plan[0]) == {}


def test_a_save_without_javascript_returns_to_the_entrys_page(
    client, alice, long_plan, sapporo, programme
):
    client.force_login(alice)
    target = PlanEntry.objects.get(pk=g_rows(long_plan)[11])
    response = client.post(
        reverse("actionplan:entry_edit", args=[sapporo.code, target.pk]),
        edit_data(target, remarks="三ページ目の行"),
    )
    assert response.status_code == 302
    assert response["Location"] == (
        plan_url(sapporo, programme=programme.pk, item="G", page=3) + f"#entry-{target.pk}"
    )
    assert target.pk in shown(client.get(response["Location"]).content.decode())


def test_target_systems_are_listed_a_page_at_a_time(client, alice, plan, sapporo, monkeypatch):
    monkeypatch.setattr(plan_views, "SYSTEMS_PAGE", 3)
    add_systems(sapporo, 3)  # five in all: two pages
    client.force_login(alice)
    body = client.get(plan_url(sapporo)).content.decode()
    assert body.count('class="system-label"') == 3
    assert "1 / 2 ページ（全 5 システム）" in body
    assert 'href="?systems_page=2#systems"' in body
    second = client.get(plan_url(sapporo, systems_page=2)).content.decode()
    assert second.count('class="system-label"') == 2


def test_an_outsider_gets_404_on_every_page_of_a_long_plan(client, bob, long_plan, sapporo):
    client.force_login(bob)
    for query in ({}, {"item": "G"}, {"item": "G", "page": 2}, {"systems_page": 2}):
        assert client.get(plan_url(sapporo, **query)).status_code == 404


def test_the_sheet_of_a_long_plan_holds_every_row(client, alice, long_plan, sapporo):
    """Only the page is paged: the downloaded sheet has every row of the plan."""
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(alice)
    response = client.get(reverse("actionplan:plan_xlsx", args=[sapporo.code]))
    sheet = load_workbook(BytesIO(response.content), read_only=True).worksheets[0]
    ids = {row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)}
    assert ids == {entry.pk for entry in long_plan}
    assert len(selectors.plan(sapporo, long_plan[0].task.work_item.programme).rows) == len(ids)
