from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")
    os.environ.setdefault("PMO_VAR_DIR", str(Path("var/bench-data").resolve()))
    django.setup()
    from django.core.management import call_command
    from django.test.utils import get_runner, setup_test_environment

    from bench import (
        BENCHMARKS,
        BUDGETS,
        actionplan,  # noqa: F401 - registers its benchmarks
        audit,  # noqa: F401
        faq,  # noqa: F401
        foundation,  # noqa: F401
        jobs,  # noqa: F401
        load,  # noqa: F401
        outbox,  # noqa: F401
        review,  # noqa: F401
        surveys,  # noqa: F401
    )

    setup_test_environment(debug=False)  # as in production: DEBUG=True keeps every query
    runner = get_runner(django.conf.settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    figures: dict[str, float] = {}
    try:
        only = [name for name in os.environ.get("BENCH_ONLY", "").split(",") if name]
        for func in BENCHMARKS:
            if only and not any(name in func.__module__ + "." + func.__name__ for name in only):
                continue
            call_command("flush", interactive=False, verbosity=0)  # each starts from empty
            figures.update(func())
    finally:
        if not os.environ.get("BENCH_KEEP"):  # BENCH_KEEP=1 leaves the data to look at
            runner.teardown_databases(old)
    width = max(len(name) for name in figures)
    print(f"{'benchmark':<{width}}  {'value':>14}  budget")
    for name, value in figures.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}"
        most = f"≤ {BUDGETS[name]:,}" if name in BUDGETS else ""
        print(f"{name:<{width}}  {shown:>14}  {most}")
    out = Path("var/bench.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {out}")
    from bench import missed

    failures = missed(figures)  # budgets are set by the benchmarks that ran (BENCH_ONLY)
    for failure in failures:
        print(f"MISSED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
