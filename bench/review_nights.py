"""The nightly job in the review benchmark compared across sizes: the same number of due
entries judged at every size, on the next nights those entries fall due of themselves (their
flags really change).
"""

from __future__ import annotations

import datetime as dt
import os
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import spread

# Entries judged on each night of the nightly-job comparison, at every size: the ones due
# soonest after "today" (so each really changes). The 10-organisation set has about 350 such
# entries over three nights, so 300 a night would be made up mostly of no-ops there.
CHANGES = 100


def nightly_ms(programme, runs: int = 3) -> float:
    """The nightly job when exactly CHANGES entries are due (median of ``runs``)."""
    return nightly_figures("bench", programme, runs)["bench.nightly_ms"]


def nightly_figures(prefix: str, programme, runs: int = 3) -> dict[str, float]:
    """``{prefix}.nightly_ms``: the nightly job on the next days on which CHANGES entries
    fall due of themselves (their judgement really changes that day), the median of ``runs``
    such nights, with the flags they raised and resolved."""
    from review import judging

    on = judging.today()
    samples, raised, resolved, judged = [], 0, 0, 0
    for _ in range(runs):
        on, elapsed, result = one_night_ms(programme, on)
        samples.append(elapsed)
        raised, resolved = raised + result.raised, resolved + result.resolved
        judged += result.judged
    return {
        **spread(f"{prefix}.nightly_ms", samples, 1),
        f"{prefix}.nightly.judged": judged,
        f"{prefix}.nightly.raised": raised,
        f"{prefix}.nightly.resolved": resolved,
    }


def one_night_ms(programme, after: dt.date):
    """The CHANGES entries due soonest after ``after`` (by their own ``next_check_on``);
    the others due by the same night wait one more night, so exactly these are judged at
    every size. Returns the night, the job's ms and its result."""
    from actionplan.models import PlanEntry
    from review import judging

    ahead = PlanEntry.objects.filter(
        task__work_item__programme=programme, next_check_on__gt=after
    ).exclude(next_check_on=judging.NEVER)
    soonest = ahead.order_by("next_check_on", "pk").values_list("pk", "next_check_on")
    chosen = list(soonest[:CHANGES])
    night = chosen[-1][1] if chosen else after + dt.timedelta(days=1)
    ids = [pk for pk, _ in chosen]
    PlanEntry.objects.filter(next_check_on__lte=night).exclude(pk__in=ids).update(
        next_check_on=night + dt.timedelta(days=1)
    )
    if len(ids) < CHANGES:  # too few left that change: made up with re-checks (no-ops)
        others = PlanEntry.objects.filter(task__work_item__programme=programme).exclude(pk__in=ids)
        extra = list(others.order_by("?").values_list("pk", flat=True)[: CHANGES - len(ids)])
        PlanEntry.objects.filter(pk__in=extra).update(next_check_on=night)
        ids += extra
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        result = judging.scan(night, send=False)
    elapsed = (time.perf_counter() - start) * 1000
    if os.environ.get("BENCH_DEBUG"):
        for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:4]:
            print(query["time"], query["sql"][:400])
    assert result.judged == len(ids), result
    return night, elapsed, result
