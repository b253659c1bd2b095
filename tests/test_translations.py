"""English is the second language: every string has a translation and the shipped .mo is the
compiled .po (a string translated in the .po but not compiled would still show in Japanese)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[tuple[bool, str, str]]:
    """(fuzzy, msgid, msgstr) of each entry, continuation lines joined."""
    found = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block
        parts: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith(("msgid ", "msgstr ", "msgid_plural ", "msgstr[0] ")):
                key, _, rest = line.partition(" ")
                parts[key] = rest.strip().strip('"')
            elif line.startswith('"') and key:
                parts[key] += line.strip().strip('"')
        if parts.get("msgid"):
            found.append((fuzzy, parts["msgid"], parts.get("msgstr", parts.get("msgstr[0]", ""))))
    return found


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 500
    assert [msgid for fuzzy, msgid, _ in entries if fuzzy] == []
    assert [msgid for _, msgid, msgstr in entries if not msgstr] == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is installed by .ci/run")
def test_the_shipped_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(PO)], check=True)
    assert compiled.read_bytes() == PO.with_suffix(".mo").read_bytes()


def test_english_is_served_from_the_catalogue():
    with translation.override("en"):
        assert translation.gettext("オープンデータ：全国の集計（CSV）") == (
            "Open data: national figures (CSV)"
        )
