"""Plain multi-row INSERTs for the few writes of 1e4–1e6 rows (publishing a programme, the
nightly job, bulk imports): ``bulk_create`` spends most of its time preparing each field of
each object in Python. Values are always parameters; table and column names come from the
model. The SQL (``ON CONFLICT … DO NOTHING / DO UPDATE``) is the same on Postgres and SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import connection

from pmo.lookups import array_text

# Parameters per statement: under SQLite's default limit (999); Postgres takes 65,535, and
# fewer, larger statements save a round trip each.
MAX_PARAMS = 900
POSTGRES_MAX_PARAMS = 20_000
# Rows per ``unnest`` INSERT on Postgres (its parameters are one array per column).
ARRAY_ROWS = 10_000


def max_params(*, sqlite_only: bool = False) -> int:
    """``sqlite_only``: SQLite's size everywhere (where a larger statement costs more)."""
    if sqlite_only or connection.vendor != "postgresql":
        return MAX_PARAMS
    return POSTGRES_MAX_PARAMS


def insert(
    model,
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    add: Sequence[str] = (),
    greatest: Sequence[str] = (),
    least: Sequence[str] = (),
    skip_conflicts: bool = False,
) -> int:
    """INSERT ``rows`` (values in ``columns`` order). With ``conflict`` (the columns of a
    unique constraint) a clashing row sets the ``update`` columns to the new values,
    increments the ``add`` columns by them and keeps the larger (``greatest``) or smaller
    (``least``) of the stored and the new value, NULL counting as no value; with none of
    these it is skipped. ``skip_conflicts``
    skips a row that clashes with any unique constraint (partial ones included). Returns
    the number of statements run (each at most :func:`max_params` parameters). On Postgres
    a plain insert (neither) is one ``COPY`` (:func:`copy`)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    head = f"INSERT INTO {table} ({names}) "  # table and column names from the model
    suffix = ""
    if conflict:
        sets = [f"{quote(c)} = excluded.{quote(c)}" for c in update]
        sets += [f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in add]
        sets += [_keep(table, quote(c), ">") for c in greatest]
        sets += [_keep(table, quote(c), "<") for c in least]
        target = ", ".join(quote(c) for c in conflict)
        action = f"DO UPDATE SET {', '.join(sets)}" if sets else "DO NOTHING"
        suffix = f" ON CONFLICT ({target}) {action}"
    elif skip_conflicts:
        suffix = " ON CONFLICT DO NOTHING"
    if connection.vendor == "postgresql":
        if not suffix:
            return copy(model._meta.db_table, columns, rows)
        return _insert_arrays(model, columns, rows, head, suffix)
    per_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    step = max(1, max_params() // len(columns))
    statements = 0
    adapters = _adapters()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            # One dict lookup per value: this runs millions of times when publishing.
            params = [
                adapter(value) if (adapter := adapters.get(type(value))) else value
                for row in chunk
                for value in row
            ]
            cursor.execute(head + "VALUES " + ", ".join([per_row] * len(chunk)) + suffix, params)
            statements += 1
    return statements


def _keep(table: str, column: str, wins: str) -> str:
    """``column`` set to the stored or the new value, whichever ``wins`` (``>``: the larger),
    a NULL losing to any value: Postgres's GREATEST skips NULLs but SQLite's MAX returns
    NULL, so a CASE both read alike."""
    new, old = f"excluded.{column}", f"{table}.{column}"
    return f"{column} = COALESCE(CASE WHEN {new} {wins} {old} THEN {new} ELSE {old} END, {new})"


def copy(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> int:
    """Postgres only: ``COPY table (columns) FROM STDIN``, the rows written by the driver (in
    C) as they come. 80,000 flags took 1.9–2.2 s this way against 4.3–4.5 s by ``INSERT …
    unnest``, whose arrays the driver quotes value by value in Python (2 s of CPU of it).
    Returns 1 (one statement)."""
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as writer:
        for row in rows:
            writer.write_row(row)
    return 1


def _insert_arrays(model, columns: Sequence[str], rows: Sequence[Sequence], head: str, suffix: str):
    """Postgres: one array parameter per column, ``INSERT … SELECT * FROM unnest(…)``. A
    VALUES list of 20,000 placeholders cost more to prepare in the driver (psycopg splits the
    query text at every placeholder, and does not cache statements that long) than the
    database spent writing it: publishing 80,000 entries spent 18 of its 52 s there."""
    by_column = {field.column: field for field in model._meta.concrete_fields}
    casts = ", ".join(f"%s::{by_column[c].cast_db_type(connection)}[]" for c in columns)
    statement = f"{head}SELECT * FROM unnest({casts}){suffix}"  # noqa: S608 - values are parameters
    return _execute_arrays(statement, rows)


def _execute_arrays(statement: str, rows: Sequence[Sequence]) -> int:
    """Run ``statement`` (one array parameter per column) for each :data:`ARRAY_ROWS` rows,
    the columns of each chunk as adapted arrays. Returns the number of statements run."""
    adapters = _adapters()
    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ARRAY_ROWS):
            chunk = rows[start : start + ARRAY_ROWS]
            arrays = [_array(column, adapters) for column in zip(*chunk, strict=True)]
            cursor.execute(statement, arrays)
            statements += 1
    return statements


_AS_TEXT = ({int, type(None)}, {dt.date, type(None)})


def _array(values: Sequence, adapters: dict):
    """One column of a chunk as its array parameter. Ints and dates (with NULLs) go as the
    array's text, ``'{1,NULL,3}'``, which the statement's cast reads: psycopg's array dumper
    checks every value's type in Python (0.15 s of a national night's 20,000 next checks)."""
    kinds = set(map(type, values))
    if any(kinds <= allowed for allowed in _AS_TEXT):
        return array_text(values)
    return [adapter(value) if (adapter := adapters.get(type(value))) else value for value in values]


def _adapters() -> dict:
    ops = connection.ops
    return {
        dt.datetime: ops.adapt_datetimefield_value,
        dt.date: ops.adapt_datefield_value,
        Decimal: lambda value: ops.adapt_decimalfield_value(value, 14, 2),
    }


def adapt(value):
    """A Python value as the database driver takes it (dates, times, decimals)."""
    adapter = _adapters().get(type(value))
    return adapter(value) if adapter else value


def update(model, columns: Sequence[str], rows: Sequence[Sequence], *, key: str = "id") -> int:
    """Set ``columns`` of many rows to per-row values: ``rows`` are ``(key, *values)``. One
    ``UPDATE … SET col = CASE key WHEN … THEN … END … WHERE key IN (…)`` per batch, written
    here as text: ``bulk_update`` builds an ORM expression per row and column, which costs
    more than the database work. Batches stay small, since a CASE is read row by row.
    On Postgres :func:`_update_arrays` instead (one array per column, typed: a batch of
    NULLs has no type of its own)."""
    if connection.vendor == "postgresql":
        return _update_arrays(model, columns, rows, key)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(column) for column in columns]
    step = max(1, max_params(sqlite_only=True) // (2 * len(columns) + 1))
    adapters = _adapters()

    def value(v):
        adapter = adapters.get(type(v))
        return adapter(v) if adapter else v

    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            sets, params = [], []
            for index, field in enumerate(fields, start=1):
                whens = " ".join(["WHEN %s THEN %s"] * len(chunk))
                sets.append(f"{quote(field.column)} = CASE {quote(key)} {whens} END")
                for row in chunk:
                    params += [row[0], value(row[index])]
            keys = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {', '.join(sets)} WHERE {quote(key)} IN ({keys})",  # noqa: S608
                [*params, *(row[0] for row in chunk)],
            )
            statements += 1
    return statements


def set_where(model, column: str, keys_by_value: Mapping, *, key: str = "id") -> int:
    """Set ``column`` to each value of ``keys_by_value`` (``{value: [key, …]}``) on the rows
    with those keys. On Postgres one ``UPDATE … FROM unnest(keys, values)`` per
    :data:`ARRAY_ROWS` rows, however many distinct values (the nightly job writes a
    ``next_check_on`` of a hundred or more dates a batch); elsewhere one ``UPDATE … WHERE key
    IN (…)`` per value. Returns the number of statements run."""
    if connection.vendor != "postgresql":
        for value, keys in keys_by_value.items():
            model._default_manager.filter(**{f"{key}__in": keys}).update(**{column: value})
        return len(keys_by_value)
    pairs = [(k, value) for value, keys in keys_by_value.items() for k in keys]
    return _update_arrays(model, (column,), pairs, key)


def _update_arrays(model, columns: Sequence[str], rows: Sequence[Sequence], key: str) -> int:
    """Postgres: ``UPDATE … FROM unnest(keys, col1, …)``, one array per column and
    :data:`ARRAY_ROWS` rows a statement (a CASE per row and column is read row by row, and
    its text is split at every placeholder by the driver)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in (key, *columns)]
    casts = ", ".join(f"%s::{field.cast_db_type(connection)}[]" for field in fields)
    names = [f"c{number}" for number in range(len(fields))]
    sets = ", ".join(
        f"{quote(field.column)} = v.{name}"
        for field, name in zip(fields[1:], names[1:], strict=True)
    )
    statement = (
        f"UPDATE {table} SET {sets} FROM unnest({casts}) AS v({', '.join(names)}) "  # noqa: S608
        f"WHERE {table}.{quote(fields[0].column)} = v.c0"
    )
    return _execute_arrays(statement, rows)


def update_checked(
    model, columns: Sequence[str], rows: Sequence[Sequence], *, guard: str, key: str = "id"
) -> int:
    """Set ``columns`` of many rows where ``guard`` still holds the value the caller read
    (optimistic locking): ``rows`` are ``(key, expected_guard, *values)``. One
    ``UPDATE … FROM (VALUES …)`` per batch (SQLite 3.33+ and Postgres alike; a VALUES list's
    columns are column1, column2, … in both), as many rows a statement as the parameter
    limit allows. Returns the number of rows updated: fewer than ``len(rows)`` means some
    row moved on meanwhile, and the caller rolls its transaction back. Values go through
    each field's ``get_db_prep_save`` (dates, JSON) and on Postgres are cast to the column's
    type (a VALUES list has no types of its own)."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(name) for name in (key, guard, *columns)]
    casts = connection.vendor == "postgresql"
    placeholders = [f"CAST(%s AS {f.cast_db_type(connection)})" if casts else "%s" for f in fields]
    per_row = "(" + ", ".join(placeholders) + ")"
    sets = ", ".join(
        f"{quote(f.column)} = v.column{number}" for number, f in enumerate(fields[2:], start=3)
    )
    where = f"{table}.{quote(fields[0].column)} = v.column1"
    where += f" AND {table}.{quote(fields[1].column)} = v.column2"
    step = max(1, max_params() // len(fields))
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            params = [
                field.get_db_prep_save(value, connection)
                for row in chunk
                for field, value in zip(fields, row, strict=True)
            ]
            values = ", ".join([per_row] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v WHERE {where}",  # noqa: S608
                params,
            )
            updated += cursor.rowcount
    return updated
