"""The plan page reads only what it shows: the section index from one aggregate, the shown
page's rows by a bounded query, prerequisites for the shown rows only; yet every row is the
row the whole plan (the sheet, the exports) has. Its queries are the same at 50 rows and at
5,000 (an organisation with 1,661 target systems), and so are a row save's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actionplan import publishing, selectors, systems
from actionplan.models import OrganizationSystem, PlanEntry, TargetSystem
from actionplan.rows import Row
from tests.actionplan.conftest import entry
from tests.actionplan.test_row_save import scramble
from tests.actionplan.test_views import HX, add_systems, edit_data, url


def paged_rows(organization, programme, **where) -> dict[int, Row]:
    """Every row of every page of every section of the paged plan, by entry id."""
    first = selectors.plan(organization, programme, paged=True, **where)
    found: dict[int, Row] = {}
    for section in first.sections or [None]:
        number = 1
        while True:
            item = section.work_item.code if section else None
            shown = selectors.plan(
                organization, programme, paged=True, item=item, page=number, **where
            )
            for row in shown.rows:
                assert row.entry.id not in found, "a row on two pages"
                found[row.entry.id] = row
            if not (shown.page and shown.page.has_next()):
                break
            number += 1
    return found


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("page_rows", [5, 250])  # paged, and a short plan shown whole
def test_every_page_shows_the_rows_of_the_whole_plan(
    plan, sapporo, programme, alice, monkeypatch, seed, page_rows
):
    """Random statuses and dates, one target system retired (its rows no longer hold F up,
    but its own G rows still see their same-system prerequisites): the pages together hold
    exactly the whole plan's rows, equal in every value, now and as of a past moment."""
    monkeypatch.setattr(selectors, "PAGE_ROWS", page_rows)
    add_systems(sapporo, 3)
    publishing.ensure_entries(sapporo, programme)
    scramble(sapporo, seed)
    link = OrganizationSystem.objects.filter(organization=sapporo).order_by("pk").first()
    systems.retire(alice, link)
    moment = timezone.now()
    save = entry(sapporo, "A", "住民への広報活動")
    save.remarks = "あとの変更"
    save.save()  # recorded in the history after the moment
    for where in ({}, {"as_of": moment}):
        whole = selectors.plan(sapporo, programme, **where).rows
        assert any(r.entry.retired_on for r in whole)
        assert any("前提タスク" in w for r in whole for w in r.warnings)
        assert paged_rows(sapporo, programme, **where) == {r.entry.id: r for r in whole}
    past = paged_rows(sapporo, programme, as_of=moment)
    assert past[save.pk].entry.remarks != "あとの変更"


def test_a_page_of_5000_rows_builds_only_its_own_rows(
    long_rows, client, alice, sapporo, monkeypatch
):
    """The index counts every work item's rows and the page shows PAGE_ROWS of G's, yet no
    more entries than that are read as objects (the counts come from one aggregate)."""
    built = []
    real = PlanEntry.from_db.__func__

    def counting(cls, db, field_names, values):
        built.append(values[0])
        return real(cls, db, field_names, values)

    monkeypatch.setattr(PlanEntry, "from_db", classmethod(counting))
    client.force_login(alice)
    body = client.get(url("plan", sapporo) + "?item=G&page=3").content.decode()
    g = PlanEntry.objects.filter(organization=sapporo, task__work_item__code="G").count()
    pages = -(-g // selectors.PAGE_ROWS)
    assert body.count('<tbody id="entry-') == selectors.PAGE_ROWS
    assert f"（{g} 行）" in body and f"3 / {pages} ページ（{g} 行中 501〜750 行目）" in body
    assert len(built) == selectors.PAGE_ROWS


ORGANIZATION_SYSTEMS = 1_661  # G's 3 tasks per system and the other tasks: ~5,000 rows


@pytest.fixture
def long_rows(plan, sapporo):
    """札幌市 with 1,661 target systems (bulk, then the product's hook for listed systems)."""
    listed = OrganizationSystem.objects.filter(organization=sapporo).count()
    made = TargetSystem.objects.bulk_create(
        TargetSystem(name=f"業務システム{n:04d}", organization=sapporo)
        for n in range(ORGANIZATION_SYSTEMS - listed)
    )
    OrganizationSystem.objects.bulk_create(
        OrganizationSystem(organization=sapporo, system=system) for system in made
    )
    publishing.systems_listed(sapporo)
    assert PlanEntry.objects.filter(organization=sapporo).count() > 5_000


def page_queries(client, organization, query: str = "") -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("plan", organization) + query)
    assert response.status_code == 200
    return len(queries)


def save_queries(client, organization, code: str, task: str, system: str | None) -> int:
    target = entry(organization, code, task, system)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url("entry_edit", organization, target.pk),
            edit_data(target, remarks=f"{code}の保存{target.version}"),
            **HX,
        )
    assert response.status_code == 200 and f"{code}の保存" in response.content.decode()
    return len(queries)


# Session, user; the organisation, the programme, the permission door, whether the programme
# has per-system tasks; the plan: one aggregate (a row per task: the section index and each
# prerequisite summed up), the work items, the shown rows (one query: their ids sorted alone
# with LIMIT/OFFSET inside it), milestones, completion items, dependencies, the shown systems'
# entries of per-system prerequisites (only when a shown row has one); the 編集 permission;
# the standing (check, approvals, follow-ups); the systems box's count; advice; the systems
# box's page; the shared systems' names.
PAGE_QUERIES = 21
SAVES = [("G", "テスト", "個人住民税", 23), ("F", "中間サーバーとの連携テスト", None, 25)]


def test_page_and_save_queries_are_the_same_at_50_and_5000_rows(
    client, alice, plan, sapporo, programme, request
):
    add_systems(sapporo, 9)  # 11 systems: 51 rows
    publishing.ensure_entries(sapporo, programme)
    assert PlanEntry.objects.filter(organization=sapporo).count() == 51
    client.force_login(alice)
    page_queries(client, sapporo)  # the session's first request writes it
    small = page_queries(client, sapporo)  # the whole plan: G's rows among them
    assert small == PAGE_QUERIES
    small_saves = [save_queries(client, sapporo, *save[:3]) for save in SAVES]
    assert small_saves == [save[3] for save in SAVES]
    request.getfixturevalue("long_rows")
    # Pages of G's 製造 and テスト (each waits for the same system's previous task).
    for query in ("?item=G&page=10", "?item=G&page=99"):
        assert page_queries(client, sapporo, query) == PAGE_QUERIES, query
    # G's first page (設計 alone) and work item A: no shown row has a same-system prerequisite.
    for query in ("?item=G", ""):
        assert page_queries(client, sapporo, query) == PAGE_QUERIES - 1, query
    assert [save_queries(client, sapporo, *save[:3]) for save in SAVES] == small_saves
