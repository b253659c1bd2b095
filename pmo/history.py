"""django-simple-history's records: who made a change when no request says so, and records
written in bulk for writes that bypass ``save()``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from pmo import bulk


def changed_by(instance: Any, user: Any) -> None:
    """Record ``user`` as the author of ``instance``'s next save in its history.

    django-simple-history reads the instance's ``_history_user`` (in a request its middleware
    supplies the user); saves from a service, a worker or the shell set it here."""
    instance._history_user = user


def copy_rows(model: Any, ids: Sequence[int], when: Any, kind: str, user: Any = None) -> int:
    """A history record of each row of ``model`` with these ids, as it now stands, copied in
    SQL (``kind``: "+" created, "~" changed; ``user`` the record's user): what a ``save()``
    would have recorded, for writes that bypass it. One ``INSERT … SELECT`` per
    :func:`pmo.bulk.max_params` ids; returns the number of statements."""
    history = model.history.model
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in copied_columns(model))
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608 - names from the model
        f"({names}, history_date, history_type, history_user_id) "
        f"SELECT {names}, %s, %s, %s FROM {quote(model._meta.db_table)} WHERE id IN "
    )
    step = bulk.max_params() - 3
    statements = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            placeholders = "(" + ", ".join(["%s"] * len(chunk)) + ")"
            params = [bulk.adapt(when), kind, user.pk if user else None, *chunk]
            cursor.execute(sql + placeholders, params)
            statements += 1
    return statements


def copied_columns(model: Any) -> list[str]:
    """The columns a history record copies from its row (those not its own ``history_*``)."""
    fields = model.history.model._meta.concrete_fields
    return [f.column for f in fields if not f.column.startswith("history_")]
