"""The late list's exports in the review benchmark: written by the worker's code
(:func:`review.exports.run_job`) with every open flag, checked row for row, timed, with peak
memory; budgets of issue 17.
"""

from __future__ import annotations

import os
import time
import tracemalloc

from django.utils import timezone

from bench import budget, fail, spread

EXPORT_BUDGET_S = 60  # the whole national list, in the worker (issue 17)


EXPORT_PEAK_MB = 200


EXPORT_RUNS = int(os.environ.get("BENCH_EXPORT_RUNS", "3"))


def late_exports(prefix: str, programme, runs: int = EXPORT_RUNS) -> dict[str, float]:
    """Every open flag as .xlsx and .csv, the way the worker writes them: seconds (``runs``
    runs), then the peak of Python memory in one more run (tracemalloc slows Python down).
    Each file is counted row for row against the flags."""
    from django.http import QueryDict

    from accounts.models import User
    from review import exports

    user = User.objects.get(email="coordinator@demo.example")
    on = timezone.localdate()
    expected = exports.flags_of(exports.late_filter(user, programme, on, QueryDict())).count()
    figures: dict[str, float] = {f"{prefix}.late_export_rows": expected}
    for fmt in ("xlsx", "csv"):
        name = f"{prefix}.late_{fmt}"
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            rows = export_rows(user, programme, on, fmt)
            seconds.append(time.perf_counter() - start)
            if rows != expected:
                fail(f"{name}: {rows:,} rows, expected {expected:,}")
        tracemalloc.start()
        export_rows(user, programme, on, fmt)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        figures |= spread(f"{name}_s", seconds)
        figures[f"{name}_peak_mb"] = round(peak, 1)
        budget(f"{name}_s", EXPORT_BUDGET_S)
        budget(f"{name}_peak_mb", EXPORT_PEAK_MB)
    return figures


def export_rows(user, programme, on, fmt: str) -> int:
    """Run one export job to its end and count the rows of its file (less the header)."""
    import zipfile

    from review import exports
    from review.models import LateExportJob

    job = LateExportJob.objects.create(user=user, programme=programme, on=on, fmt=fmt)
    exports.run_job(job.pk)
    job.refresh_from_db()
    if job.state != "done":
        fail(f"late export ({fmt}): {job.state} {job.failure}")
        return -1
    rows = 0
    with job.file.open("rb") as stored:
        if fmt == "csv":
            rows = sum(1 for _ in stored) - 1
        else:
            with zipfile.ZipFile(stored) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
                tail = b""
                while chunk := sheet.read(1 << 20):
                    rows += (tail + chunk).count(b"<row ") - tail.count(b"<row ")
                    tail = chunk[-8:]
                rows -= 1
    job.file.delete(save=False)
    job.delete()
    return rows
