"""The bulk template in English: the sheets people read are named in English; the header row
the import reads back stays as the template defines it (data, the same in every language)."""

from __future__ import annotations

import io
import re

from django.conf import settings
from openpyxl import load_workbook

from tests.accounts.test_bulk import HEADER

JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def test_the_template_names_its_sheets_in_the_readers_language(client, world):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world["pref_admin"])
    workbook = load_workbook(io.BytesIO(client.get("/manage/accounts/bulk/template.xlsx").content))
    assert workbook.sheetnames == ["Account", "Organisations"]
    assert [c.value for c in workbook["Account"][1]] == HEADER  # read back: data
    assert [c.value for c in workbook["Organisations"][1]] == ["Organisation code", "Organisation"]
    validation = workbook["Account"].data_validations.dataValidation[0]
    assert validation.error == "Choose a role from the list."
    assert not JAPANESE.search(validation.formula1)
