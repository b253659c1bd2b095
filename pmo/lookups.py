"""``field__any=[…]``: ``field IN (…)`` that sends one array on Postgres.

For the long lists of ids the batch writers read by (judging reads its batch of 1,000 entries,
their flags and states by id): Django writes ``IN (%s, %s, …)`` with a placeholder per value,
and psycopg splits a query text that long at every placeholder, in Python, on every execution
(it caches only short ones). ``= ANY(%s)`` is one placeholder and one array, the same plan.
Elsewhere (SQLite) it is ``__in``.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _one_array(lookup: In, compiler, connection):
    """``lhs = ANY(%s::type[])`` for a list of values; a subquery stays IN."""
    if not isinstance(lookup.rhs, list | tuple | set | frozenset):
        return lookup.as_sql(compiler, connection)
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    field = lookup.lhs.output_field
    values = [field.get_db_prep_value(value, connection) for value in lookup.rhs]
    array = f"{field.cast_db_type(connection)}[]"
    return f"{lhs} = ANY(%s::{array})", (*lhs_params, values)


@Field.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        return _one_array(self, compiler, connection)


@ForeignObject.register_lookup  # ``entry_id__any``: a foreign key has lookups of its own
class RelatedAnyOf(RelatedIn):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        return _one_array(self, compiler, connection)
