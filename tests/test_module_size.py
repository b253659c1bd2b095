"""No module of the project's own code grows past about 400 lines (STYLE.md: a module is one
room with one job; a long one is several rooms that have not been told apart yet).

Every Python file of the project's packages, the benchmark and the CI scripts is counted;
migrations (generated) and tests (their length follows the behaviour they walk) are not.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_import_graph import ROOT, project_modules

MAX_LINES = 420  # "about 400": room for a docstring to say why, not for a second job
SCRIPTS = ("bench", ".ci")


def counted_files(root: Path = ROOT) -> list[Path]:
    files = set(project_modules(root).values())
    for folder in SCRIPTS:
        files.update((root / folder).rglob("*.py"))
    return sorted(files)


def test_the_count_sees_every_room():
    # A count that found nothing (or missed a folder) would pass whatever the code became.
    seen = {path.relative_to(ROOT).parts[0] for path in counted_files()}
    assert {"review", "actionplan", "accounts", "pmo", "bench", ".ci"} <= seen
    assert not any("migrations" in path.parts for path in counted_files())


def test_no_module_is_longer_than_about_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in counted_files()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}, f"over {MAX_LINES} lines (split by job): {too_long}"
