"""Plain multi-row INSERTs for the few writes of 1e4–1e6 rows (publishing a programme, the
nightly job, bulk imports): ``bulk_create`` spends most of its time preparing each field of
each object in Python. Values are always parameters; table and column names come from the
model. The SQL (``ON CONFLICT … DO NOTHING / DO UPDATE``) is the same on Postgres and SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

# SQLite's default limit on parameters per statement (Postgres allows far more).
MAX_PARAMS = 900


def insert(
    model,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    add: Sequence[str] = (),
    skip_conflicts: bool = False,
) -> int:
    """INSERT ``rows`` (values in ``columns`` order). With ``conflict`` (the columns of a
    unique constraint) a clashing row sets the ``update`` columns to the new values and
    increments the ``add`` columns by them; with neither it is skipped. ``skip_conflicts``
    skips a row that clashes with any unique constraint (partial ones included). Returns
    the number of statements run (each at most :data:`MAX_PARAMS` parameters)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 - names from the model
    suffix = ""
    if conflict:
        sets = [f"{quote(c)} = excluded.{quote(c)}" for c in update]
        sets += [f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in add]
        target = ", ".join(quote(c) for c in conflict)
        action = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
        suffix = f" ON CONFLICT ({target}) {action}"
    elif skip_conflicts:
        suffix = " ON CONFLICT DO NOTHING"
    per_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    step = max(1, MAX_PARAMS // len(columns))
    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            params = [adapt(value) for row in chunk for value in row]
            cursor.execute(sql + ", ".join([per_row] * len(chunk)) + suffix, params)
            statements += 1
    return statements


def adapt(value):
    """A Python value as the database driver takes it (dates, times, decimals)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    if isinstance(value, Decimal):
        return connection.ops.adapt_decimalfield_value(value, 14, 2)
    return value
