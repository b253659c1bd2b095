"""The realistic national night, again and again: a copy of the database as the benchmark
has it just before it measures the first realistic night (2015/10/01, 7,335 entries due),
and that night run on a fresh copy of it, in about ten seconds instead of a six-minute
benchmark run.

Take the copy once (about 4 minutes; Postgres only; the database is ``pmo_snap1001``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pmo_bench BENCH_REVIEW_LARGE=0 \\
        .venv/bin/python -m bench.night_snapshot take

Then run the night on a new copy (``pmo_try``) as often as needed; ``PROF=1`` adds a
cProfile, ``SQL=N`` prints the N slowest statements::

    .venv/bin/python -m bench.night_snapshot run

Figures from one machine swing by half between runs of the same code (2.3–3.3 s on
2026/12/03): compare medians of several runs.
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import os
import pstats
import sys
import time
from pathlib import Path

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SNAPSHOT = "pmo_snap1001"
TRY = "pmo_try"
NIGHT = dt.date(2015, 10, 1)  # bench.review_life.NIGHTS[0]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")
    os.environ.setdefault("PMO_VAR_DIR", str(Path("var/bench-data").resolve()))
    import django

    django.setup()


def _admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


class _Taken(Exception):
    pass


def take() -> None:
    """Build the national set as ``review_national`` does and copy its database at the
    moment the first realistic night would be measured."""
    _setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import get_runner, setup_test_environment

    import bench.review_life as life
    from bench import review

    @contextlib.contextmanager
    def copy_at_first_night(name: str):
        if name == f"review.national.night_{NIGHT:%m%d}":
            database = connection.settings_dict["NAME"]
            connection.close()  # a template database takes no other connection
            _admin(
                f"DROP DATABASE IF EXISTS {SNAPSHOT}",
                f"CREATE DATABASE {SNAPSHOT} TEMPLATE {database}",
            )
            raise _Taken
        yield

    life.sql_time = copy_at_first_night
    setup_test_environment(debug=False)
    get_runner(settings)(verbosity=0, interactive=False).setup_databases()
    call_command("flush", interactive=False, verbosity=0)
    try:
        review.review_national()
    except _Taken:
        print(f"copied to {SNAPSHOT}")
        return
    sys.exit("the benchmark never reached the first realistic night")


def run() -> None:
    """The night on a new copy of the snapshot, timed, as the benchmark runs it."""
    _admin(f"DROP DATABASE IF EXISTS {TRY}", f"CREATE DATABASE {TRY} TEMPLATE {SNAPSHOT}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{TRY}"
    os.environ.pop("REDIS_URL", None)
    _setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from bench.review_life import clock_on
    from review import judging

    setup_test_environment(debug=False)
    profile = cProfile.Profile() if os.environ.get("PROF") else None
    with clock_on(NIGHT), CaptureQueriesContext(connection) as captured:
        due = judging.due_entries(NIGHT).count()
        start = time.perf_counter()
        if profile:
            profile.enable()
        result = judging.scan(NIGHT, send=False)
        if profile:
            profile.disable()
        seconds = time.perf_counter() - start
    queries = captured.captured_queries[1:]  # not the count of due entries
    sql = sum(float(query["time"]) for query in queries)
    print(f"{due} due: {result}; {seconds:.2f} s, {len(queries)} statements, {sql:.2f} s SQL")
    for query in sorted(queries, key=lambda q: -float(q["time"]))[: int(os.environ.get("SQL", 0))]:
        print(" ", query["time"], query["sql"][:300])
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    {"take": take, "run": run}[sys.argv[1] if len(sys.argv) > 1 else "run"]()
