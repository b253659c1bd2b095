"""Measuring helpers of the review benchmark (:mod:`bench.review`): timed runs with their
spread, a page's server time and status, query counts, a settled database, and (with
``BENCH_DEBUG``) where a block's time went in SQL.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import check_status, spread


def say(message: str) -> None:
    if os.environ.get("BENCH_DEBUG"):
        print(message, file=sys.stderr, flush=True)


def time_ms(func, runs: int = 5) -> float:
    func()
    start = time.perf_counter()
    for _ in range(runs):
        func()
    return (time.perf_counter() - start) / runs * 1000


def sample_ms(func, runs: int = 5) -> tuple[float, list[float]]:
    """The first (cold) run and ``runs`` warm ones, each in ms."""
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], times[1:]


def page_figures(name: str, client: Client, url: str, runs: int = 5) -> dict[str, float]:
    """``name``: the median of ``runs`` warm requests of ``url`` (spread and the cold first
    one too), every response's status checked."""

    def get() -> None:
        check_status(name, client.get(url))

    first, warm = sample_ms(get, runs)
    return {**spread(name, warm, 1), f"{name}.first": round(first, 1)}


def settle() -> None:
    """What a production database does on its own after a bulk load: autovacuum clears the
    dead index entries the build's updates left behind and refreshes the planner's
    statistics. Without it the nightly job measures vacuum debt (every entry's first
    ``next_check_on`` is still in the index), not its own cost."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def query_count(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured)


def last_page_url(client: Client, url: str) -> str:
    page = client.get(url).context["page"]
    return f"{url}&page={page.paginator.num_pages}"


@contextlib.contextmanager
def sql_time(name: str):
    """With BENCH_DEBUG: how much of the block was SQL, and its slowest statements."""
    if not os.environ.get("BENCH_DEBUG"):
        yield
        return
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        yield
    queries = captured.captured_queries
    sql = sum(float(q["time"]) for q in queries)
    say(f"{name}: {time.perf_counter() - start:.2f} s, {len(queries)} statements, {sql:.2f} s SQL")
    for query in sorted(queries, key=lambda q: -float(q["time"]))[:5]:
        say(f"  {query['time']} {query['sql'][:200]}")


@contextlib.contextmanager
def timing_digests(times: list[float]):
    """The digest step of the nightly job (``notifications.queue_digests``) timed apart."""
    from unittest import mock

    from review import notifications

    queue = notifications.queue_digests

    def timed(on):
        start = time.perf_counter()
        try:
            return queue(on)
        finally:
            times.append((time.perf_counter() - start) * 1000)

    with mock.patch.object(notifications, "queue_digests", timed):
        yield
