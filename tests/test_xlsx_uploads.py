"""Every .xlsx upload of the portal goes through :mod:`pmo.xlsx`: the same hostile files are
refused by each importer, with the same Japanese message, and nothing is written."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from pmo import ooxml, xlsx, xlsx_check
from tests.hostile_xlsx import (
    BILLION_LAUGHS,
    many_rows,
    padded_strings,
    padded_styles,
    renamed_sheet,
    small_bomb,
    wide,
    with_part,
    workbook,
    xlsx_with,
    zip_bomb,
)


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

    with pytest.raises(ooxml.SheetError) as refused:
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


def gaps() -> bytes:
    """Two rows, the second numbered 1,048,576: openpyxl iterates the gap as empty rows."""
    return xlsx_with(
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData></worksheet>'
    )


HOSTILE = {
    "not-zip": (lambda: b"<html><script>alert(1)</script></html>", ooxml.UNREADABLE),
    "broken-zip": (lambda: b"PK\x03\x04broken", ooxml.UNREADABLE),
    "zip-bomb": (zip_bomb, "展開後のサイズが大きすぎるため受け付けられません（100MBまで）。"),
    "small-zip-bomb": (small_bomb, ooxml.BOMB),
    "xml-entities": (lambda: xlsx_with(BILLION_LAUGHS), ooxml.HAS_DTD),
    "entities-in-styles": (
        lambda: with_part(workbook(), "xl/styles.xml", BILLION_LAUGHS),
        ooxml.HAS_DTD,
    ),
    "too-many-rows": (lambda: many_rows(20_001), "行数が多すぎます"),
    # The sheet stored under another part name, as any real workbook may name it.
    "renamed-sheet": (lambda: renamed_sheet(many_rows(25_000)), "行数が多すぎます"),
    "row-number-gap": (gaps, "行数が多すぎます"),
    "1000-columns": (wide, "列数が多すぎます"),
    "unreferenced-padding": (
        lambda: with_part(workbook(), "xl/padding.bin", os.urandom(1024 * 1024)),
        xlsx_check.UNREFERENCED,
    ),
}


@pytest.fixture(scope="module")
def files():
    return {name: make() for name, (make, _) in HOSTILE.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("importer", IMPORTERS)
@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_importer_refuses_hostile_files_alike(importer, hostile, files):
    from accounts.models import User
    from actionplan.models import ImportJob, Programme
    from documents.models import Procedure
    from faq.models import FAQ

    message = IMPORTERS[importer](files[hostile])
    assert message.startswith(HOSTILE[hostile][1])
    written = (User, Programme, ImportJob, Procedure, FAQ)
    assert [model.objects.count() for model in written] == [0] * len(written)


def test_the_renamed_sheet_is_a_workbook_openpyxl_reads_whole():
    data = renamed_sheet(many_rows(25_000))
    book = load_workbook(io.BytesIO(data), read_only=True)
    sheet = book["計画"]
    assert sheet._worksheet_path == "xl/sheetsx/sheet1.xml"
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 25_001


def test_a_renamed_sheet_within_the_limits_is_read():
    book = xlsx.read(renamed_sheet(many_rows(30)), "plan.xlsx")
    assert [row[0] for row in xlsx.rows(book["計画"], min_row=2, values_only=True)] == list(
        range(1, 31)
    )


def test_a_lying_dimension_neither_hides_nor_pads_rows():
    def sheet(dimension: bytes) -> bytes:
        return xlsx_with(
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><dimension ref="'
            + dimension
            + b'"/><sheetData>'
            + b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 30))
            + b"</sheetData></worksheet>"
        )

    for dimension in (b"A1", b"A1:XFD1048576"):
        book = xlsx.read(sheet(dimension))
        rows = list(xlsx.rows(book.worksheets[0], values_only=True))
        assert (len(rows), {len(row) for row in rows}) == (29, {1})


def test_reading_stops_past_the_limit_even_when_the_count_was_fooled():
    book = xlsx.open_book(many_rows(30))  # as if the count had been bypassed
    with pytest.raises(ooxml.SheetError, match="行数が多すぎます（10行まで）"):
        for _ in xlsx.rows(book.worksheets[0], values_only=True, max_rows=10):
            pass
    with pytest.raises(ooxml.SheetError, match="セルの数が多すぎます（5セルまで）"):
        list(xlsx.rows(book.worksheets[0], values_only=True, max_cells=5))


def test_shared_strings_beyond_the_cells_are_refused():
    # openpyxl keeps every shared string in memory, used or not.
    with pytest.raises(ooxml.SheetError, match="セルの数が多すぎます（100セルまで）"):
        xlsx.read(padded_strings(200), max_cells=100)
    assert xlsx.read(padded_strings(50), max_cells=100).worksheets[0].max_row == 1


def test_styles_beyond_excels_own_limit_are_refused():
    # openpyxl builds an object for every format (200,000 took 4.5 s to load).
    with pytest.raises(ooxml.SheetError, match="セルの書式が多すぎるため受け付けられません"):
        xlsx.read(padded_styles(xlsx_check.MAX_STYLES + 1))
    assert xlsx.read(padded_styles(1_000)).worksheets[0].max_row == 1


@pytest.mark.django_db
def test_bulk_issuance_holds_its_own_row_limit_while_reading():
    from accounts import sheets

    # Blank rows are skipped without a query; the 2,001st below the header stops the read.
    data = workbook([[label for _, label in sheets.COLUMNS]] + [[None]] * 2_001, "アカウント")
    accounts, errors = sheets.read(SimpleUploadedFile("accounts.xlsx", data), issuer=None)
    assert (accounts, [error.message for error in errors]) == (
        [],
        ["行数が多すぎます（2,000行まで）。"],
    )
    data = workbook([[label for _, label in sheets.COLUMNS]] + [[None]] * 2_000, "アカウント")
    assert sheets.read(SimpleUploadedFile("accounts.xlsx", data), issuer=None) == ([], [])
