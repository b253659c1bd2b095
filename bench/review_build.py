"""Building the review benchmark's data through the product's services: the programme
published (``actionplan.publishing.publish``), plans filled and judged, and history spread
over the programme's life so that past dates have data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from bench.review_life import (
    PUBLISHED_ON,
    clock_on,
    programme_life,
)
from pmo import bulk

FILL_COLUMNS = (
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "status",
    "not_applicable_reason",
    "progress",
)


def publish_timed(
    programme, organizations, systems, everyone: bool
) -> tuple[list[int], float, int]:
    """The organisations list ``systems`` for G, then the product's publishing service
    creates their entries, judged and counted as they are created: ``publish`` (every
    organisation still without entries) when ``everyone``, else ``create_entries`` for these
    organisations only (the small set). Returns the new ids, the seconds and the queries."""
    from actionplan import publishing
    from actionplan.models import OrganizationSystem, PlanEntry

    links = [OrganizationSystem(organization=o, system=s) for o in organizations for s in systems]
    OrganizationSystem.objects.bulk_create(links, ignore_conflicts=True)
    org_ids = [org.pk for org in organizations]
    entries = PlanEntry.objects.filter(task__work_item__programme=programme)
    before = set(entries.values_list("pk", flat=True))
    start = time.perf_counter()
    with counting() as queries:
        if everyone:
            publishing.publish(programme)
        else:
            publishing.create_entries(programme, org_ids)
    elapsed = time.perf_counter() - start
    if not everyone:  # a subset's entries without publishing to all: published all the same,
        # since the pages show only published programmes to everyone but the administrator
        type(programme).objects.filter(pk=programme.pk, published_at=None).update(
            published_at=timezone.now()
        )
    new = entries.filter(organization_id__in=org_ids).values_list("pk", flat=True)
    return [pk for pk in new if pk not in before], elapsed, queries[0]


@contextlib.contextmanager
def counting():
    """Counts the statements run (CaptureQueriesContext would keep every SQL text of a
    1.43M-entry publish in memory)."""
    count = [0]

    def wrapper(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield count


def populate(
    programme, organizations, systems, rng: random.Random, prefix: str, *, everyone: bool = False
) -> dict[str, float]:
    """Publish the programme to ``organizations`` (:func:`publish_timed`) on
    :data:`PUBLISHED_ON`, then live its life up to :data:`TODAY` (:func:`programme_life`):
    plans and progress saved at their dates, the nightly job measured on the days milestones
    pass."""
    with clock_on(PUBLISHED_ON), transaction.atomic():
        ids, publish_s, publish_queries = publish_timed(programme, organizations, systems, everyone)
    found = {"entries": len(ids), "publish_s": publish_s, "publish_queries": publish_queries}
    return {**found, **programme_life(programme, ids, rng, prefix)}


def fill_and_judge(programme, ids: list[int], rng: random.Random) -> None:
    """Plausible dates for the entries (one UPDATE from a temporary table, one "changed"
    history record each), judged by the product's own path, ``entries_changed``. The first
    night (``judging.scan``, for its digests) runs once after every chunk is filled: run
    after the first chunk, it judged every entry not yet filled as having no plan (1.35M of
    them, 700 s) only for the later chunks to resolve those flags again."""
    from review import judging

    fill(programme, ids, rng)
    judging.entries_changed(ids)


def fill(programme, ids: list[int], rng: random.Random) -> None:
    from actionplan.models import PlanEntry

    quote = connection.ops.quote_name
    table = quote(PlanEntry._meta.db_table)
    types = ("date", "date", "date", "date", "varchar(16)", "text", "integer")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_fill")
        columns = ", ".join(f"{c} {t}" for c, t in zip(FILL_COLUMNS, types, strict=True))
        cursor.execute(f"CREATE TEMPORARY TABLE bench_fill (id bigint PRIMARY KEY, {columns})")
        rows = [[pk, *random_row(programme, rng)] for pk in ids]
        if connection.vendor == "postgresql":  # COPY: a VALUES list is parsed in Python
            bulk.copy("bench_fill", ("id", *FILL_COLUMNS), rows)
        else:
            step = 900 // (len(FILL_COLUMNS) + 1)
            per_row = "(" + ", ".join(["%s"] * (len(FILL_COLUMNS) + 1)) + ")"
            for start in range(0, len(rows), step):
                chunk = rows[start : start + step]
                cursor.execute(
                    f"INSERT INTO bench_fill VALUES {', '.join([per_row] * len(chunk))}",
                    [bulk.adapt(value) for row in chunk for value in row],
                )
        sets = ", ".join(f"{c} = bench_fill.{c}" for c in FILL_COLUMNS)
        cursor.execute(
            f"UPDATE {table} SET {sets}, version = 2 FROM bench_fill "
            f"WHERE {table}.id = bench_fill.id"
        )
        cursor.execute("DROP TABLE bench_fill")
    spread_history(ids, timezone.now())


def spread_history(ids: list[int], now) -> None:
    """The "changed" history record of each filled entry, copied in SQL."""
    from actionplan.models import PlanEntry

    history = PlanEntry.history.model._meta.db_table
    table = PlanEntry._meta.db_table
    copied = [
        f.column
        for f in PlanEntry.history.model._meta.concrete_fields
        if not f.column.startswith("history_")
    ]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in copied)
    when = connection.ops.adapt_datetimefield_value(now)
    postgres = connection.vendor == "postgresql"
    step = 20_000 if postgres else 800
    with connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            among = "= ANY(%s::bigint[])" if postgres else f"IN ({', '.join(['%s'] * len(chunk))})"
            cursor.execute(
                f"INSERT INTO {quote(history)} ({names}, history_date, history_type) "
                f"SELECT {names}, %s, '~' FROM {quote(table)} WHERE id {among}",
                [when, chunk] if postgres else [when, *chunk],
            )


def random_row(programme, rng) -> list:
    start = programme.starts_on + dt.timedelta(days=rng.randrange(0, 700))
    end = start + dt.timedelta(days=rng.randrange(10, 300))
    status = rng.choices(["done", "in_progress", "not_started", "not_applicable"], [5, 2, 2, 1])[0]
    planned = status != "not_started" or rng.random() < 0.7
    return [
        start if planned else None,
        end if planned else None,
        start if status in ("done", "in_progress") else None,
        end if status == "done" else None,
        status,
        "該当なし" if status == "not_applicable" else "",
        100 if status == "done" else 0,
    ]
