"""Work spread over a few threads, each with its own database connection: for a job that
alternates between Python and waiting on the database (the nightly judging), two threads keep
both busy. The items must be independent of each other's transactions (disjoint rows, shared
rows locked in one order)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import connection

Item = TypeVar("Item")
Found = TypeVar("Found")


def each_in_threads(
    items: Iterable[Item], work: Callable[[Item], Found], *, workers: int
) -> list[Found]:
    """``work(item)`` for every item, on ``workers`` threads that each take the next item
    until none is left; the results in the order they finished. The first error stops the
    threads taking new items and is raised here, once every thread has stopped (what the
    items before it committed stays). Each thread closes its connection when it stops."""
    pending = iter(items)
    taking = threading.Lock()
    results: list[Found] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            while not errors:
                with taking:
                    item = next(pending, _NONE)
                if item is _NONE:
                    return
                results.append(work(item))  # type: ignore[arg-type]
        except BaseException as exc:  # raised in the caller's thread below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


_NONE = object()
