"""The library layer in pmo/ is the one place for its jobs: nothing outside it writes them again."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "actionplan", "documents", "faq", "orgs", "outbox", "pmo", "review")
# The one RFC 6266 header: pmo.downloads builds it, pmo.http and pmo.downloads set it.
HEADER_HOMES = {"pmo/downloads.py", "pmo/http.py"}
SETS_HEADER = re.compile(r"""\[\s*["']Content-Disposition["']\s*\]\s*=""")


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_content_disposition_is_set_only_by_the_attachment_helpers():
    hand_built = [name for name, text in _sources() if SETS_HEADER.search(text)]
    assert set(hand_built) <= HEADER_HOMES, sorted(set(hand_built) - HEADER_HOMES)


def test_the_guard_sees_a_hand_built_header():
    assert SETS_HEADER.search("""response["Content-Disposition"] = 'attachment; x'""")
