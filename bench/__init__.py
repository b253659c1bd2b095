"""``make bench``: figures the product is held to, printed as a table and in var/bench.json.

Each benchmark is a function registered with :func:`benchmark` that returns ``{name: value}``.
They run against the database the settings select (set ``DATABASE_URL`` for Postgres figures).

A figure may have a budget (:func:`budget`): ``make bench`` prints it beside the figure and
exits non-zero, naming each figure that missed, when one is missed or a benchmark found a
wrong answer (:func:`fail`, e.g. a status code). :func:`spread` turns repeated runs into
median, p90, min and max; budgets are set on medians (the machine is shared, and one slow run
says little).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

BENCHMARKS: list[Callable[[], dict[str, float]]] = []
BUDGETS: dict[str, float] = {}  # figure name -> the most it may be
FAILURES: list[str] = []


def benchmark(func: Callable[[], dict[str, float]]) -> Callable[[], dict[str, float]]:
    BENCHMARKS.append(func)
    return func


def budget(name: str, most: float) -> None:
    """``name`` (a figure) fails the run when it is above ``most``."""
    BUDGETS[name] = most


def fail(message: str) -> None:
    """A wrong answer (a status code, a missing row): the run fails, saying this."""
    FAILURES.append(message)


def check_status(name: str, response, expected: int = 200) -> None:
    if response.status_code != expected:
        fail(f"{name}: status {response.status_code}, expected {expected}")


def spread(name: str, samples: Sequence[float], digits: int = 2) -> dict[str, float]:
    """``name`` (the median), ``name.p90``, ``name.min`` and ``name.max`` of ``samples``."""
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        name: round(statistics.median(ordered), digits),
        f"{name}.p90": round(p90, digits),
        f"{name}.min": round(ordered[0], digits),
        f"{name}.max": round(ordered[-1], digits),
    }


def missed(figures: dict[str, float]) -> list[str]:
    """What fails the run: wrong answers, and each budget missed (or not measured)."""
    found = list(FAILURES)
    for name, most in BUDGETS.items():
        if name not in figures:
            found.append(f"{name}: not measured (budget {most:,})")
        elif figures[name] > most:
            found.append(f"{name}: {figures[name]:,} over its budget of {most:,}")
    return found
