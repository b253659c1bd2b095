"""Action plan figures: publishing the seed programme to all 1,788 organisations, the plan
page at national size, and a 5,000-row sheet import."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import benchmark, budget, check_status, fail, spread


def _note(label: str, since: float) -> float:
    """Progress on stderr: the national build takes a while."""
    import sys

    now = time.perf_counter()
    print(f"  actionplan bench: {label} {now - since:.1f}s", file=sys.stderr, flush=True)
    return now


SYSTEMS_FOR_5000_ROWS = 1_661  # G's 3 tasks per system plus the other tasks ≈ 5,000 rows


def _publish(programme) -> tuple[int, float, int]:
    """Publish the seed programme to every organisation (the product's service: entries
    created, judged and counted in bulk). Returns entries created, seconds, statements."""
    from actionplan import publishing

    count = [0]

    def counting(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(counting):
        created = publishing.publish(programme)
    return created, time.perf_counter() - start, count[0]


def _timed(client: Client, url: str, runs: int) -> tuple[float, int]:
    client.get(url)
    start = time.perf_counter()
    for _ in range(runs):
        response = client.get(url)
        check_status(url, response)
    per_request_ms = (time.perf_counter() - start) / runs * 1000
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return round(per_request_ms, 2), len(queries)


def _get(client: Client, url: str, **headers) -> tuple[float, int, str]:
    """One request: milliseconds, queries, and the body (its status checked)."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url, **headers)
        elapsed_ms = (time.perf_counter() - start) * 1000
    check_status(url, response)
    return elapsed_ms, len(queries), response.content.decode()


PAGE_RUNS = int(os.environ.get("BENCH_PLAN_RUNS", "5"))
SAVE_RUNS = int(os.environ.get("BENCH_SAVE_RUNS", "9"))
IMPORT_RUNS = int(os.environ.get("BENCH_IMPORT_RUNS", "3"))

# Budgets, medians on this shared 2-core machine (Postgres, DEBUG=False). Issue 17 asks for a
# plan page at 5,000 rows in ≤ 500 ms, a row save ≤ 150 ms and an import ≤ 15 s. The plan
# page is shown a work item and 250 rows at a time (it rendered all 5,000 rows, 10 MB, in
# 6.3 s), and since the second round of issue 17 it reads only what it shows: the section
# index from one aggregate, the page's rows by one bounded query, prerequisites for the shown
# rows (selectors._paged: building the page's data went from 1.2-1.7 s to 50-130 ms on the
# loaded machine, in the same process and the same minute). What is left is mostly rendering
# the 250 rows. Two runs of this code: at load 4-5, plan page 230 ms (its last page 231, the
# opening 95, as of today 219), row saves 48 / 41 ms, row reads 24 / 31 ms, import 5.9 s;
# at load 7-9, plan page 842 ms (min 447), its last page 986, the opening 422, row saves
# 241 / 269 ms, row reads 109 / 126 ms, import 16.7 s (69 statements both times). Those runs
# relaxed the row saves to 400 ms and the import to 60 s; a quiet 2-core machine on 2026/12/03
# gave row saves 48 / 52 ms and the import 5.6 s, so the budgets are the again (a
# loaded machine misses them, and the miss is printed). The query counts are exact
# (tests/actionplan/test_plan_page_reads.py holds the same at 51 rows).
BUDGETS_MS = {
    "actionplan.plan_page_5000_rows_ms": 500,
    "actionplan.plan_page_5000_rows_last_page_ms": 500,
    "actionplan.plan_page_5000_rows_opening_ms": 500,
    "actionplan.row_save_5000_rows_ms": 150,
    "actionplan.row_save_f_5000_rows_ms": 150,
    "actionplan.row_read_5000_rows_ms": 250,
    "actionplan.row_read_f_5000_rows_ms": 250,
    "actionplan.import_5000_rows_s": 15,
    "actionplan.import_5000_rows_statements": 400,
    "actionplan.plan_page_5000_rows_queries": 20,  # G's first page: 設計 alone
    "actionplan.plan_page_5000_rows_last_page_queries": 21,  # テスト: same-system prerequisites
    "actionplan.plan_page_5000_rows_opening_queries": 20,
    "actionplan.row_save_5000_rows_queries": 23,
    "actionplan.row_save_f_5000_rows_queries": 25,
}


@benchmark
def plan_page_and_import() -> dict[str, float]:
    from accounts.demo import load_demo_accounts
    from actionplan import demo, seed
    from actionplan.models import OrganizationSystem, PlanEntry, Programme, TargetSystem
    from orgs.loader import load_all
    from orgs.models import Organization

    for name, most in BUDGETS_MS.items():
        budget(name, most)
    mark = time.perf_counter()
    load_all()
    users = {user.email: user for user in load_demo_accounts()}
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    published, publish_s, publish_queries = _publish(programme)
    again, again_s, _ = _publish(programme)
    if again != 0:
        fail(f"publishing twice created {again} entries")
    demo.load()  # the demo organisations' G systems and their rows, a few plans
    mark = _note("organisations, seed published, demo", mark)
    entries = PlanEntry.objects.count()
    client = Client()
    client.force_login(users["sapporo@demo.example"])
    plan_ms, plan_queries = _timed(client, "/orgs/011002/plan/", 20)
    xlsx_ms, _ = _timed(client, "/orgs/011002/plan.xlsx", 5)
    mark = _note("national entries and plan page", mark)

    # 5,000 rows: 札幌市 with enough target systems, every row given new planned dates.
    sapporo = Organization.objects.get(code="011002")
    systems = TargetSystem.objects.bulk_create(
        TargetSystem(name=f"業務システム{n:04d}", organization=sapporo)
        for n in range(SYSTEMS_FOR_5000_ROWS)
    )
    OrganizationSystem.objects.bulk_create(
        OrganizationSystem(organization=sapporo, system=system) for system in systems
    )
    from actionplan import publishing

    publishing.systems_listed(sapporo)  # the hook for newly listed systems: G's rows
    mark = _note("5,000 entries for 札幌市", mark)
    figures: dict[str, float] = {}
    figures |= _plan_page(client)
    mark = _note("plan page with 5,000 rows", mark)
    figures |= _row_edits(client, sapporo, programme)
    mark = _note("row reads and saves at 5,000 rows", mark)
    figures |= _imports(users["sapporo@demo.example"], sapporo, programme)
    _note("imports at 5,000 rows", mark)
    return {
        "actionplan.national_entries": entries,
        "actionplan.publish_organizations": Organization.objects.filter(plan_entries__isnull=False)
        .distinct()
        .count(),
        "actionplan.publish_entries": published,
        "actionplan.publish_s": round(publish_s, 2),
        "actionplan.publish_queries": publish_queries,
        "actionplan.publish_again_s": round(again_s, 2),
        "actionplan.plan_page_ms": plan_ms,
        "actionplan.plan_page_queries": plan_queries,
        "actionplan.plan_xlsx_ms": xlsx_ms,
        **figures,
        "actionplan.entries_after": PlanEntry.objects.count(),
    }


def _plan_page(client: Client) -> dict[str, float]:
    """The 5,000-row plan, shown a work item and a page at a time (``selectors.PAGE_ROWS``):
    the first page of G (4,983 rows) cold (the first request after the rows were made:
    nothing of it cached by the database or Python yet) and warm, its last page, and the
    page as it opens (work item A), and a page of G as of today (from the history). Each
    shows at most PAGE_ROWS rows, the index names all."""
    from django.utils import timezone

    from actionplan.selectors import PAGE_ROWS

    first, last, opening = (
        "/orgs/011002/plan/?item=G",
        "/orgs/011002/plan/?item=G&page=99",  # past the end: the last page
        "/orgs/011002/plan/",
    )
    as_of = f"/orgs/011002/plan/?item=G&page=10&as_of={timezone.localdate():%Y-%m-%d}"
    cold_ms, queries, body = _get(client, first)
    figures: dict[str, float] = {}
    pages = (("", first), ("_last_page", last), ("_opening", opening), ("_as_of", as_of))
    for name, url in pages:
        samples, page_queries, body = [], 0, ""
        for _ in range(PAGE_RUNS):
            elapsed, page_queries, body = _get(client, url)
            samples.append(elapsed)
        rows = body.count('<tbody id="entry-')
        if not 0 < rows <= PAGE_ROWS or "plan-sections" not in body:
            fail(f"{url}: {rows} rows shown, expected 1 to {PAGE_ROWS} and the work-item index")
        figures |= spread(f"actionplan.plan_page_5000_rows{name}_ms", samples)
        figures[f"actionplan.plan_page_5000_rows{name}_queries"] = page_queries
        figures[f"actionplan.plan_page_5000_rows{name}_kb"] = round(len(body.encode()) / 1024)
    figures["actionplan.plan_page_5000_rows_cold_ms"] = round(cold_ms, 2)
    if figures["actionplan.plan_page_5000_rows_queries"] != queries:
        fail("the 5,000-row plan page ran a different number of queries cold and warm")
    return figures


HX = {"HTTP_HX_REQUEST": "true"}


def _row_edits(client: Client, organization, programme) -> dict[str, float]:
    """A row read and saved on the 5,000-row plan, as the page does it (htmx): a G row (its
    same-system prerequisite) and the F row (G テスト over all 1,661 systems)."""
    from actionplan.models import PlanEntry

    rows = PlanEntry.objects.filter(organization=organization)
    g_row = rows.filter(task__work_item__code="G", task__name="テスト").order_by("-pk").first()
    f_row = rows.filter(task__work_item__code="F").first()
    figures: dict[str, float] = {}
    for label, target in (("", g_row), ("_f", f_row)):
        base = f"/orgs/{organization.code}/plan/entries/{target.pk}/"
        reads, read_queries = [], 0
        for _ in range(SAVE_RUNS):
            elapsed, read_queries, _ = _get(client, base, **HX)
            reads.append(elapsed)
        saves, save_queries = [], 0
        for run in range(SAVE_RUNS):
            target.refresh_from_db()
            data = {
                **{
                    name: value.isoformat() if (value := getattr(target, name)) else ""
                    for name in ("planned_start", "planned_end", "actual_start", "actual_end")
                },
                "status": target.status,
                "not_applicable_reason": target.not_applicable_reason,
                "progress": str(target.progress),
                "remarks": f"ベンチマーク{run}",
                "version": str(target.version),
            }
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.post(base + "edit/", data, **HX)
                saves.append((time.perf_counter() - start) * 1000)
            save_queries = len(queries)
            check_status(base + "edit/", response)
            if f"ベンチマーク{run}" not in response.content.decode():
                fail(f"{base}edit/: the saved row does not show the saved remark")
        figures |= spread(f"actionplan.row_read{label}_5000_rows_ms", reads)
        figures |= spread(f"actionplan.row_save{label}_5000_rows_ms", saves)
        figures[f"actionplan.row_read{label}_5000_rows_queries"] = read_queries
        figures[f"actionplan.row_save{label}_5000_rows_queries"] = save_queries
    return figures


def _imports(user, organization, programme) -> dict[str, float]:
    """The 5,000-row sheet: a no-op round trip, then ``IMPORT_RUNS`` imports that give every
    row new planned dates (each from a fresh download), timed with their statements."""
    from actionplan import excel, excel_import, selectors

    data = excel.export(organization, programme, selectors.plan(organization, programme).rows)
    start = time.perf_counter()
    noop = excel_import.import_plan(user, organization, programme, data)
    noop_s = time.perf_counter() - start
    if noop.errors or noop.changed:
        fail(f"no-op import: {noop.changed} changed, errors {noop.errors[:3]}")
    seconds, statements, judging, result = [], [], [], noop
    count = [0]
    from review import judging as review_judging

    judge = review_judging.entries_changed

    def timed_judging(entry_ids, **kwargs):  # delay detection's share of the import (review/)
        start = time.perf_counter()
        try:
            return judge(entry_ids, **kwargs)
        finally:
            judging.append(time.perf_counter() - start)

    def counting(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    for run in range(IMPORT_RUNS):
        rows = selectors.plan(organization, programme).rows
        changed = _every_row_planned(excel.export(organization, programme, rows), shift=run)
        count[0] = 0
        start = time.perf_counter()
        review_judging.entries_changed = timed_judging
        try:
            with connection.execute_wrapper(counting):
                result = excel_import.import_plan(user, organization, programme, changed)
        finally:
            review_judging.entries_changed = judge
        seconds.append(time.perf_counter() - start)
        statements.append(count[0])
        if result.errors or result.changed != result.rows:
            fail(f"import {run}: {result.changed} of {result.rows} changed, {result.errors[:3]}")
    return {
        "actionplan.import_rows": result.rows,
        "actionplan.import_noop_s": round(noop_s, 2),
        **spread("actionplan.import_5000_rows_s", seconds),
        **spread("actionplan.import_5000_rows_judging_s", judging),
        "actionplan.import_5000_rows_statements": max(statements),
        "actionplan.import_changed": result.changed,
    }


def _every_row_planned(data: bytes, shift: int = 0) -> bytes:
    from openpyxl import load_workbook

    from actionplan import excel

    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    start_col, end_col = excel.INDEX["planned_start"], excel.INDEX["planned_end"]
    for number in range(2, sheet.max_row + 1):
        sheet.cell(number, start_col, dt.datetime(2015, 4, 1) + dt.timedelta(days=shift))
        sheet.cell(number, end_col, dt.datetime(2015, 6, 30) + dt.timedelta(days=shift))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
