"""``make bench``: figures the product is held to, printed as a table and in var/bench.json.

Each benchmark is a function registered with :func:`benchmark` that returns ``{name: value}``.
They run against the database the settings select (set ``DATABASE_URL`` for Postgres figures).
"""

from __future__ import annotations

from collections.abc import Callable

BENCHMARKS: list[Callable[[], dict[str, float]]] = []


def benchmark(func: Callable[[], dict[str, float]]) -> Callable[[], dict[str, float]]:
    BENCHMARKS.append(func)
    return func
