"""The realistic national night, again and again: a copy of the database as the benchmark
has it just before it measures the first realistic night (2015/10/01, 7,335 entries due),
and that night run on a fresh copy of it, in about ten seconds instead of a six-minute
benchmark run.

Take the copy once (about 4 minutes; Postgres only; the database is ``pmo_snap1001``)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pmo_bench BENCH_REVIEW_LARGE=0 \\
        .venv/bin/python -m bench.night_snapshot take

Then run the night on a new copy (``pmo_try``) as often as needed. It prints the night's
SQL time and slowest statements (:func:`bench.review_support.sql_time`); ``PROF=1`` adds a
cProfile::

    .venv/bin/python -m bench.night_snapshot run

Figures from one machine swing by half between runs of the same code (2.1–3.5 s on
2026/12/03): compare medians of several runs. The batches run on the judging workers' own
connections (``review.judging.WORKERS``), so the SQL summary counts only the caller's
statements (the digests); ``WORKERS=1`` judges on one worker, for comparison.
"""

from __future__ import annotations

import contextlib
import cProfile
import os
import pstats
import sys
from pathlib import Path

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SNAPSHOT = "pmo_snap1001"
TRY = "pmo_try"


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
        if name == f"review.national.night_{life.NIGHTS[0]:%m%d}":
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
    os.environ["BENCH_DEBUG"] = "1"  # sql_time's summary
    os.environ.pop("REDIS_URL", None)
    _setup()
    from django.test.utils import setup_test_environment

    from bench.review_life import NIGHTS, clock_on
    from bench.review_support import sql_time
    from review import judging

    night = NIGHTS[0]
    if workers := os.environ.get("WORKERS"):
        judging.WORKERS = int(workers)
    setup_test_environment(debug=False)
    profile = cProfile.Profile() if os.environ.get("PROF") else None
    with clock_on(night):
        print(f"{judging.due_entries(night).count()} due")
        with sql_time(f"night {night:%Y/%m/%d}"):
            if profile:
                profile.enable()
            result = judging.scan(night, send=False)
            if profile:
                profile.disable()
    print(result)
    if profile:
        pstats.Stats(profile).sort_stats(os.environ.get("PROF_SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    {"take": take, "run": run}[sys.argv[1] if len(sys.argv) > 1 else "run"]()
