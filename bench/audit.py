"""The audit trail at a million events: the list plain, filtered by actor, organisation, kind
and a date range, a page deep in the list, and a filtered CSV download.

Events are made in SQL (``generate_series`` on Postgres, 30 seconds apart over about a year,
5,000 actors, every organisation, every kind); SQLite, where the benchmark can be tried, gets
``BENCH_AUDIT_SQLITE_EVENTS`` (50,000). ``BENCH_AUDIT_EVENTS`` sets the Postgres count. Each
page is requested once cold (the first time) and ``BENCH_AUDIT_RUNS`` times warm; the budgets
are on the warm medians.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
import tracemalloc

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import benchmark, budget, check_status, fail, spread

RUNS = int(os.environ.get("BENCH_AUDIT_RUNS", "7"))
ACTORS = 5_000
# Issue 17: ≤ 150 ms on any page and filter at 1M events. On this machine, shared with 7
# other engineers, two runs gave medians of 38–91 ms for the plain list, kind, dates, a deep
# page and the organisation's next page (p90 ≤ 134): 150 ms. The actor filter (part of an
# address, a trigram index) had 82 / 164 ms and the organisation's first page 31 / 168 ms,
# which those runs relaxed to 250 ms; on a quiet machine (2026/12/03) they took 60 and 36 ms,
# so every page and filter has the 150 ms again. The CSV of 77k events took 24–29 s
# (2,700–3,200 rows/s: Python describes each event) with a 10.5 MB peak: 45 s and 50 MB.
PAGE_BUDGET_MS = 150
CSV_BUDGET_S = 45
CSV_PEAK_MB = 50


def _events() -> int:
    if connection.vendor == "postgresql":
        return int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
    return int(os.environ.get("BENCH_AUDIT_SQLITE_EVENTS", "50000"))


def _build(count: int) -> float:
    """``count`` events newest first from now, in one statement on Postgres."""
    from accounts.models import AuditEvent
    from orgs.models import Organization

    start = time.perf_counter()
    kinds = [value for value, _ in AuditEvent.Kind.choices]
    org_ids = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_auditevent (created_at, kind, actor_email, organization_id,"
                " target, ip_address, before, after, detail)"
                " SELECT now() - n * interval '30 seconds', (%s::text[])[1 + n %% %s],"
                " 'user' || (n %% %s) || '@city.example.lg.jp', (%s::int[])[1 + n %% %s],"
                " 'target-' || n, NULL, NULL, NULL, ''"
                " FROM generate_series(1, %s) AS n",
                [kinds, len(kinds), ACTORS, org_ids, len(org_ids), count],
            )
            cursor.execute("ANALYZE accounts_auditevent")
    else:
        from pmo import bulk

        now = timezone.now()
        rows = [
            (
                now - dt.timedelta(seconds=30 * n),
                kinds[n % len(kinds)],
                f"user{n % ACTORS}@city.example.lg.jp",
                org_ids[n % len(org_ids)],
                f"target-{n}",
                "",
            )
            for n in range(1, count + 1)
        ]
        columns = ("created_at", "kind", "actor_email", "organization_id", "target", "detail")
        bulk.insert(AuditEvent, columns, rows)
    return time.perf_counter() - start


def _page(client: Client, url: str) -> tuple[float, int, str]:
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
    check_status(url, response)
    return elapsed, len(queries), response.content.decode()


def _next(body: str) -> str | None:
    found = re.search(r'<a href="([^"]*)" rel="next">', body)
    return "/manage/audit/" + found.group(1).replace("&amp;", "&") if found else None


def _deep_cursor(count: int) -> str:
    """The address of a page about 20,000 pages (of 50) in, or near the end of a smaller set:
    the cursor of the event at that position, as a reader paging there would hold it."""
    from accounts.models import AuditEvent
    from pmo import keyset

    position = min(1_000_000, count - 100)
    event = AuditEvent.objects.order_by("-created_at", "-pk")[position : position + 1].get()
    return f"/manage/audit/?after={keyset.cursor_of(event)}"


@benchmark
def audit_list() -> dict[str, float]:
    from accounts.demo import load_demo_accounts
    from orgs.loader import load_all

    load_all()
    admin = next(u for u in load_demo_accounts() if u.email == "admin@demo.example")
    count = _events()
    built_s = _build(count)
    print(f"  audit bench: {count:,} events in {built_s:.1f}s", file=sys.stderr, flush=True)
    client = Client()
    client.force_login(admin)
    org_code = "011002"
    # A month half a year back, in the middle of the events (30 s apart, about a year long).
    month_ago = timezone.localdate() - dt.timedelta(days=180)
    month_end = month_ago + dt.timedelta(days=29)
    addresses = {
        "first": "/manage/audit/",
        "actor": "/manage/audit/?actor=user1234%40city",
        "organization": f"/manage/audit/?organization={org_code}",
        "kind": "/manage/audit/?kind=grant_taken",
        "dates": f"/manage/audit/?since={month_ago:%Y-%m-%d}&until={month_end:%Y-%m-%d}",
        "deep": _deep_cursor(count),
    }
    figures: dict[str, float] = {"audit.events": count, "audit.build_s": round(built_s, 1)}
    for name, url in addresses.items():
        cold, queries, body = _page(client, url)
        if name != "dates" and "<time datetime=" not in body:
            fail(f"{url}: no events shown")
        warm = [_page(client, url)[0] for _ in range(RUNS)]
        figures |= spread(f"audit.{name}_ms", warm)
        figures[f"audit.{name}_cold_ms"] = round(cold, 2)
        figures[f"audit.{name}_queries"] = queries
        budget(f"audit.{name}_ms", PAGE_BUDGET_MS)
        following = _next(body)  # the next page of the same filter, as a reader clicks it
        if following and name in ("actor", "organization"):
            figures |= spread(
                f"audit.{name}_next_ms", [_page(client, following)[0] for _ in range(RUNS)]
            )
            budget(f"audit.{name}_next_ms", PAGE_BUDGET_MS)
    figures |= _csv(client, "grant_taken")
    return figures


def _streamed_rows(client: Client, url: str) -> int:
    response = client.get(url)
    check_status(url, response)
    if not response.streaming:
        fail(f"{url}: not streamed")
    rows, tail = 0, ""
    for chunk in response.streaming_content:
        lines = (tail + chunk.decode("utf-8")).split("\r\n")
        tail = lines.pop()
        rows += len(lines)
    return rows + bool(tail) - 1  # less the header


def _csv(client: Client, kind: str) -> dict[str, float]:
    """One kind of event as CSV (1 in 13 of them, 77k at 1M), streamed: seconds, then the
    peak of Python memory while it streams (a second run: tracemalloc slows Python down)."""
    from accounts.models import AuditEvent

    url = f"/manage/audit.csv?kind={kind}"
    expected = AuditEvent.objects.filter(kind=kind).count()
    start = time.perf_counter()
    rows = _streamed_rows(client, url)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    _streamed_rows(client, url)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    if rows != expected:
        fail(f"{url}: {rows:,} rows, expected {expected:,}")
    budget("audit.csv_s", CSV_BUDGET_S)
    budget("audit.csv_peak_mb", CSV_PEAK_MB)
    return {
        "audit.csv_rows": rows,
        "audit.csv_s": round(seconds, 2),
        "audit.csv_rows_per_s": round(rows / seconds),
        "audit.csv_peak_mb": round(peak, 1),
    }
