"""Every .xlsx upload of the portal goes through :mod:`pmo.xlsx`: the same hostile files are
refused by each importer, with the same Japanese message, and nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pmo import xlsx
from tests.hostile_xlsx import BILLION_LAUGHS, many_rows, xlsx_with, zip_bomb


def _accounts(data: bytes) -> str:
    from accounts import sheets

    accounts, errors = sheets.read(SimpleUploadedFile("accounts.xlsx", data), issuer=None)
    assert accounts == []
    return str(errors[0].message)


def _plan(data: bytes) -> str:
    from actionplan import excel

    with pytest.raises(excel.UploadRefused) as refused:
        excel.preflight(data, "plan.xlsx")
    return str(refused.value)


def _programme(data: bytes) -> str:
    from actionplan import definition

    with pytest.raises(xlsx.SheetError) as refused:
        definition.read(data, "programme.xlsx")
    return str(refused.value)


def _procedures(data: bytes) -> str:
    from documents import sheets

    with pytest.raises(sheets.ImportRejected) as rejected:
        sheets.import_workbook(data)
    return rejected.value.errors[0].message


def _faqs(data: bytes) -> str:
    from faq import imports

    result = imports.import_faqs(SimpleUploadedFile("faq.xlsx", data))
    return result.errors[0].message


IMPORTERS = {
    "accounts": _accounts,
    "plan": _plan,
    "programme": _programme,
    "procedures": _procedures,
    "faqs": _faqs,
}
HOSTILE = {
    "not-zip": (lambda: b"<html><script>alert(1)</script></html>", xlsx.UNREADABLE),
    "broken-zip": (lambda: b"PK\x03\x04broken", xlsx.UNREADABLE),
    "zip-bomb": (zip_bomb, "展開後のサイズが大きすぎるため受け付けられません（100MBまで）。"),
    "xml-entities": (lambda: xlsx_with(BILLION_LAUGHS), xlsx.HAS_DTD),
    "too-many-rows": (lambda: many_rows(20_001), "行数が多すぎます"),
}


@pytest.fixture(scope="module")
def files():
    return {name: make() for name, (make, _) in HOSTILE.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("importer", IMPORTERS)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_importer_refuses_hostile_files_alike(importer, hostile, files):
    from accounts.models import User
    from documents.models import Procedure
    from faq.models import FAQ

    message = IMPORTERS[importer](files[hostile])
    assert message.startswith(HOSTILE[hostile][1])
    assert (User.objects.count(), Procedure.objects.count(), FAQ.objects.count()) == (0, 0, 0)


def test_a_lying_dimension_cannot_hide_rows():
    sheet = (
        b'<?xml version="1.0"?><worksheet><dimension ref="A1"/><sheetData>'
        + b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 30))
        + b"</sheetData></worksheet>"
    )
    assert xlsx.count_rows(xlsx_with(sheet)) == 28
