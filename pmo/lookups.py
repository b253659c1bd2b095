"""``field__any=[…]``: ``field IN (…)`` that sends one array on Postgres.

For the long lists of ids the batch writers read by (judging reads its batch of 1,000 entries,
their flags and states by id): Django writes ``IN (%s, %s, …)`` with a placeholder per value,
and psycopg splits a query text that long at every placeholder, in Python, on every execution
(it caches only short ones). ``= ANY(%s)`` is one placeholder and one array, the same plan.
Elsewhere (SQLite) it is ``__in``.

A list of plain ints for an integer column (ids, the usual case) is sent as the array's text,
``'{1,2,3}'``, written by ``str.join``: Django's per-value preparation (two calls a value) and
psycopg's array dumper (a type check a value) were half a second of a national night that reads
some 500,000 ids.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def array_text(values) -> str:
    """Ints or dates (``None`` as NULL) as a Postgres array's text, ``'{1,NULL,3}'``, for a
    parameter the statement casts (``%s::bigint[]``)."""
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def _plain_ints(lookup: In) -> bool:
    """Whether the values are ints for an integer column (nothing to prepare)."""
    field = lookup.lhs.output_field
    target = getattr(field, "target_field", field)  # a foreign key: the column it points to
    return (
        isinstance(lookup.rhs, list | tuple)
        and isinstance(target, IntegerField)
        and all(type(value) is int for value in lookup.rhs)
    )


def _one_array(lookup: In, compiler, connection):
    """``lhs = ANY(%s::type[])`` for a list of values; a subquery stays IN."""
    if not isinstance(lookup.rhs, list | tuple | set | frozenset):
        return lookup.as_sql(compiler, connection)
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    field = lookup.lhs.output_field
    array = f"{field.cast_db_type(connection)}[]"
    if _plain_ints(lookup):
        values: object = array_text(lookup.rhs)
    else:
        values = [field.get_db_prep_value(value, connection) for value in lookup.rhs]
    return f"{lhs} = ANY(%s::{array})", (*lhs_params, values)


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def get_prep_lookup(self):
        return self.rhs if _plain_ints(self) else super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        return _one_array(self, compiler, connection)


@ForeignObject.register_lookup  # ``entry_id__any``: a foreign key has lookups of its own
class RelatedAnyOf(RelatedIn):
    lookup_name = "any"

    def get_prep_lookup(self):
        return self.rhs if _plain_ints(self) else super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        return _one_array(self, compiler, connection)
