"""Action plan figures: publishing the seed programme to all 1,788 organisations, the plan
page at national size, and a 5,000-row sheet import."""

from __future__ import annotations

import datetime as dt
import io
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import benchmark


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
    from actionplan import services

    count = [0]

    def counting(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(counting):
        created = services.publish(programme)
    return created, time.perf_counter() - start, count[0]


def _timed(client: Client, url: str, runs: int) -> tuple[float, int]:
    client.get(url)
    start = time.perf_counter()
    for _ in range(runs):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    per_request_ms = (time.perf_counter() - start) / runs * 1000
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return round(per_request_ms, 2), len(queries)


def _once(client: Client, url: str) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url)
        elapsed_ms = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, response.status_code
    return round(elapsed_ms, 2), len(queries)


@benchmark
def plan_page_and_import() -> dict[str, float]:
    from accounts.demo import load_demo_accounts
    from actionplan import demo, excel, seed, selectors
    from actionplan.models import OrganizationSystem, PlanEntry, Programme, TargetSystem
    from orgs.loader import load_all
    from orgs.models import Organization

    mark = time.perf_counter()
    load_all()
    users = {user.email: user for user in load_demo_accounts()}
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    published, publish_s, publish_queries = _publish(programme)
    again, again_s, _ = _publish(programme)
    assert again == 0, again  # publishing twice creates nothing
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
    from actionplan import services

    services.systems_listed(sapporo)  # the hook for newly listed systems: G's rows
    mark = _note("5,000 entries for 札幌市", mark)
    big_plan_ms, big_plan_queries = _once(client, "/orgs/011002/plan/")
    mark = _note("plan page with 5,000 rows", mark)
    rows = selectors.plan(sapporo, programme).rows
    data = excel.export(sapporo, programme, rows)
    user = users["sapporo@demo.example"]
    start = time.perf_counter()
    noop = excel.import_plan(user, sapporo, programme, data)
    noop_s = time.perf_counter() - start
    assert not noop.errors and noop.changed == 0, noop.errors[:3]
    mark = _note("export and no-op import", mark)
    changed = _every_row_planned(data)
    start = time.perf_counter()
    result = excel.import_plan(user, sapporo, programme, changed)
    import_s = time.perf_counter() - start
    assert not result.errors, [e.as_dict() for e in result.errors[:3]]
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
        "actionplan.plan_page_5000_rows_ms": big_plan_ms,
        "actionplan.plan_page_5000_rows_queries": big_plan_queries,
        "actionplan.import_rows": result.rows,
        "actionplan.import_noop_s": round(noop_s, 2),
        "actionplan.import_5000_rows_s": round(import_s, 2),
        "actionplan.import_changed": result.changed,
        "actionplan.entries_after": PlanEntry.objects.count(),
    }


def _every_row_planned(data: bytes) -> bytes:
    from openpyxl import load_workbook

    from actionplan import excel

    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    start_col, end_col = excel.INDEX["planned_start"], excel.INDEX["planned_end"]
    for number in range(2, sheet.max_row + 1):
        sheet.cell(number, start_col, dt.datetime(2015, 4, 1))
        sheet.cell(number, end_col, dt.datetime(2015, 6, 30))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
