"""One term in Japanese: 二要素認証. allauth's own catalogue says 多要素認証 in places; the
portal's (locale/ja) overrides each of those strings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import allauth
import pytest
from django.conf import settings
from django.utils import translation

from tests.test_translations import _entries

ALLAUTH_JA = Path(allauth.__file__).parent / "locale" / "ja" / "LC_MESSAGES" / "django.po"
OURS = Path(settings.BASE_DIR) / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def test_no_allauth_string_says_multi_factor_in_japanese():
    said = [
        msgid for _, msgid, msgstr in _entries(ALLAUTH_JA.read_text("utf-8")) if "多要素" in msgstr
    ]
    assert len(said) >= 5  # allauth still says it: the override is needed
    with translation.override("ja"):
        shown = {msgid: translation.gettext(msgid) for msgid in said}
    assert {m: text for m, text in shown.items() if "多要素" in text or text == m} == {}


def test_the_overrides_translate_into_two_factor():
    with translation.override("ja"):
        # Variables, not literals: allauth's msgids are not the portal's to extract.
        title, done = "Two-Factor Authentication", "Authenticator app deactivated."
        assert translation.gettext(title) == "二要素認証"
        assert translation.gettext(done) == "認証アプリを無効にしました。"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is installed by .ci/run")
def test_the_shipped_japanese_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(OURS)], check=True)
    assert compiled.read_bytes() == OURS.with_suffix(".mo").read_bytes()
