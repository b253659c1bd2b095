"""Workbooks the portal writes and the uploaded ones it opens: the door every app goes through.

Writing (:func:`new_book`, :func:`write`, :func:`csv_safe`) escapes text that a spreadsheet
would run as a formula (= + - @). Reading an upload goes through the checks first: the zip
(:mod:`pmo.ooxml`), then the workbook's parts, rows, columns and cells as counted in its XML
(:mod:`pmo.xlsx_check`); only then does :func:`read` open it read-only, confirm openpyxl reads
exactly the sheet parts counted, and set each sheet's size to the counted one (a lying
``<dimension>`` can neither hide rows nor pad them). :func:`rows` is the second line: the
importers iterate through it and stop with the same message past the row or cell limit, so
even a file that fooled the count cannot run long.

openpyxl then parses through defusedxml (installed), so entity tricks fail there too.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import IO, cast

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pmo.ooxml import HAS_DTD, UNREADABLE, SheetError, over_limit
from pmo.xlsx_check import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    TOO_MANY_CELLS,
    TOO_MANY_ROWS,
    check,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def new_book(title: str) -> tuple[Workbook, Worksheet]:
    """A new workbook and its first sheet, titled: what every generated file starts from."""
    book = Workbook()
    sheet = cast(Worksheet, book.active)  # a new workbook's one sheet is a worksheet
    sheet.title = title
    return book, sheet


def write(cell, value: object) -> None:
    """Put ``value`` in ``cell``; text that starts like a formula (= + - @) stays text.

    The cell is typed as a string and marked with Excel's quote prefix, so neither opening
    the file nor editing the cell turns it into a formula.
    """
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True


def csv_safe(value: object) -> object:
    """For CSV opened in Excel: text that would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def has_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")


def read(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cells: int = MAX_CELLS,
    data_only: bool = False,
) -> Workbook:
    """An uploaded workbook, read-only, after every check of :func:`check`.

    Each sheet's ``max_row``/``max_column`` are the counted ones, not the file's claim."""
    extents = check(
        data,
        filename,
        max_bytes=max_bytes,
        max_rows=max_rows,
        max_columns=max_columns,
        max_cells=max_cells,
    )
    book = open_book(data, data_only=data_only)
    for sheet in book.worksheets:
        path = getattr(sheet, "_worksheet_path", None)
        extent = extents.get(path) if path else None
        if extent is None:  # openpyxl found a sheet the count did not: never guess
            book.close()
            raise SheetError(_(UNREADABLE))
        # A read-only sheet's own extents (private to openpyxl, so not in its stubs).
        setattr(sheet, "_max_row", extent.rows or None)  # noqa: B010
        setattr(sheet, "_max_column", extent.columns or None)  # noqa: B010
    return book


def read_upload(upload: IO[bytes], *, max_bytes: int = MAX_BYTES, **options) -> Workbook:
    """:func:`read` for an uploaded file object (reads at most ``max_bytes`` + 1 bytes)."""
    data = upload.read(max_bytes + 1)
    return read(data, getattr(upload, "name", "") or "", max_bytes=max_bytes, **options)


def open_book(data: bytes, *, read_only: bool = True, data_only: bool = False) -> Workbook:
    """openpyxl's workbook, with its many exceptions turned into one Japanese message.

    Only for bytes :func:`check` has passed (or the portal's own files)."""
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for a broken or hostile file
        if "Forbidden" in type(exc).__name__:  # defusedxml
            raise SheetError(_(HAS_DTD)) from exc
        raise SheetError(_(UNREADABLE)) from exc


def rows(
    sheet,
    *,
    min_row: int = 1,
    max_col: int | None = None,
    values_only: bool = False,
    max_rows: int = MAX_ROWS,
    max_cells: int = MAX_CELLS,
) -> Iterator[tuple]:
    """``sheet.iter_rows``, stopping with the usual message past ``max_rows`` rows below the
    header or ``max_cells`` cells: the second line behind :func:`check`."""
    last = max_rows + 1
    cells = 0
    for number, row in enumerate(
        sheet.iter_rows(min_row=min_row, max_col=max_col, values_only=values_only), min_row
    ):
        if number > last:
            raise SheetError(over_limit(TOO_MANY_ROWS, max_rows))
        cells += len(row)
        if cells > max_cells:
            raise SheetError(over_limit(TOO_MANY_CELLS, max_cells))
        yield row
