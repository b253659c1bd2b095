"""An uploaded workbook counted before openpyxl parses it: parts, rows, columns, cells, styles.

:func:`check` (workbooks the portal reads: accounts, plans, programme definitions,
procedures, FAQs) starts as :func:`pmo.ooxml.check_package` does (zip limits, no DTD), then
finds the workbook as openpyxl finds it (:class:`pmo.xlsx_parts.Package`) and counts rows,
columns and cells in the XML of every sheet part, stopping at the first one over the limit, so
a 25,000-row sheet stored as ``xl/sheetsx/sheet1.xml`` is refused in milliseconds. Every other
XML part is limited in tags; parts nothing refers to may only be small. What it counts
(:class:`Extent`) is what :func:`pmo.xlsx.read` then holds each sheet to.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl.utils import column_index_from_string

from pmo.ooxml import (
    MAX_EXPANDED,
    MAX_MEMBERS,
    UNREADABLE,
    Refused,
    SheetError,
    members,
    open_zip,
    over_limit,
    scan,
)
from pmo.xlsx_parts import CONTENT_TYPES, MAX_WORKBOOK_TAGS, Package

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 256
MAX_CELLS = 1_000_000
# A part nothing in the package refers to is never needed; a big one is only padding.
MAX_UNREFERENCED = 256 * 1024
# Tags ("<") in any other part openpyxl may parse (rels, comments, drawings…).
MAX_OTHER_TAGS = 1_000_000
# Styles are held to Excel's own limit of 65,490 formats (xf, font, fill, border…).
STYLES = "xl/styles.xml"
MAX_STYLES = 65_490
STYLE_RECORDS = {"xf", "font", "fill", "border", "numFmt", "dxf", "cellStyle"}

NOT_XLSX = gettext_noop("Excelブック（.xlsx）を選んでください。")
TOO_LARGE = gettext_noop("ファイルが大きすぎます（%(limit)sMBまで）。")
UNREFERENCED = gettext_noop(
    "ブックのどこからも使われていない大きな部品を含むため受け付けられません。"
)
TOO_MANY_STYLES = gettext_noop("セルの書式が多すぎるため受け付けられません（%(limit)s個まで）。")
TOO_MANY_ROWS = gettext_noop("行数が多すぎます（%(limit)s行まで）。")
TOO_MANY_COLUMNS = gettext_noop("列数が多すぎます（%(limit)s列まで）。")
TOO_MANY_CELLS = gettext_noop("セルの数が多すぎます（%(limit)sセルまで）。")


@dataclass(frozen=True)
class Extent:
    """What one sheet part holds, as openpyxl will iterate it (gaps between rows count)."""

    rows: int  # the last row number, header included
    columns: int  # the last column number
    cells: int  # <c> elements


def check(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    max_columns: int = MAX_COLUMNS,
    max_cells: int = MAX_CELLS,
) -> dict[str, Extent]:
    """Refuse what openpyxl should not parse; return each sheet part's :class:`Extent`.

    ``max_rows`` counts rows below the header; ``max_cells`` all cells of all sheets.
    """
    if filename and not filename.lower().endswith(".xlsx"):
        raise SheetError(_(NOT_XLSX))
    if len(data) > max_bytes:
        raise SheetError(_(TOO_LARGE) % {"limit": max_bytes // (1024 * 1024)})
    # A relationship or reference that does not hold together is a ValueError: unreadable.
    with open_zip(io.BytesIO(data), UNREADABLE) as archive:
        infos = {
            info.filename: info
            for info in members(archive, max_expanded=MAX_EXPANDED, max_members=MAX_MEMBERS)
        }
        for info in infos.values():  # DTDs first: nothing below parses a part that has one
            scan(archive, info, max_tags=None)
        package = Package(archive, infos)
        sheets, referenced = package.resolve()
        for name, info in infos.items():
            if name not in referenced and info.file_size > MAX_UNREFERENCED:
                raise SheetError(_(UNREFERENCED))
        counter = _Counter(max_rows=max_rows, max_columns=max_columns, max_cells=max_cells)
        extents = {}
        for name in sheets:
            extents[name] = counter.sheet(archive, infos[name])
        for name in referenced - set(sheets) - {CONTENT_TYPES}:
            if name == package.shared_strings:
                counter.shared_strings(archive, infos[name])
            elif name == STYLES:
                _styles(archive, infos[name])
            elif name == package.workbook or name.startswith("docProps/"):
                scan(archive, infos[name], max_tags=MAX_WORKBOOK_TAGS)
            else:
                scan(archive, infos[name], max_tags=MAX_OTHER_TAGS)
        return extents


def count_rows(data: bytes, filename: str = "", *, every_sheet: bool = False, **limits) -> int:
    """Rows below the header of the longest sheet (``every_sheet``: of all sheets together),
    as :func:`check` counts them (it runs, so a refused file raises :class:`SheetError`).
    Imports use it to decide between the request and a worker job (:mod:`pmo.jobs`)."""
    counts = [max(extent.rows - 1, 0) for extent in check(data, filename, **limits).values()]
    return sum(counts) if every_sheet else max(counts, default=0)


class _Counter:
    """Rows, columns and cells of each sheet part, with the limits of one import."""

    def __init__(self, *, max_rows: int, max_columns: int, max_cells: int) -> None:
        self.max_rows, self.max_columns, self.max_cells = max_rows, max_columns, max_cells
        self.cells = 0  # over every sheet
        self.max_tags = 8 * (max_cells + max_rows) + 100_000

    def refuse(self, message: str, limit: int) -> Refused:
        return Refused(over_limit(message, limit))

    def sheet(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Extent:
        state = {"row": 0, "column": 0, "rows": 0, "columns": 0, "cells": 0}
        last_row = self.max_rows + 1  # the header is not counted

        def start(name: str, attrs: dict[str, str]) -> None:
            local = name.rpartition(" ")[2]
            if local == "row":
                # As openpyxl's WorkSheetParser.parse_row: r="7" jumps, and the gap is
                # iterated as empty rows.
                number = attrs.get("r")
                state["row"] = _row_number(number) if number else state["row"] + 1
                state["column"] = 0
                if state["row"] > state["rows"]:
                    state["rows"] = state["row"]
                    if state["rows"] > last_row:
                        raise self.refuse(TOO_MANY_ROWS, self.max_rows)
            elif local == "c":
                self.cells += 1
                state["cells"] += 1
                if self.cells > self.max_cells:
                    raise self.refuse(TOO_MANY_CELLS, self.max_cells)
                reference = attrs.get("r")
                if reference:  # as parse_cell: the reference sets the column counter
                    letters = reference.rstrip("0123456789")
                    state["column"] = column_index_from_string(letters)
                    row = int(reference[len(letters) :])
                    if row > state["rows"]:  # a cell may name a row below its own
                        state["rows"] = row
                        if row > last_row:
                            raise self.refuse(TOO_MANY_ROWS, self.max_rows)
                else:
                    state["column"] += 1
                if state["column"] > state["columns"]:
                    state["columns"] = state["column"]
                    if state["columns"] > self.max_columns:
                        raise self.refuse(TOO_MANY_COLUMNS, self.max_columns)

        if not scan(archive, info, max_tags=self.max_tags, start=start):
            raise SheetError(_(UNREADABLE))
        return Extent(state["rows"], state["columns"], state["cells"])

    def shared_strings(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        # openpyxl keeps every string in memory: no more of them than cells may hold.
        count = [0]

        def start(name: str, _attrs) -> None:
            if name.endswith(" si"):
                count[0] += 1
                if count[0] > self.max_cells:
                    raise self.refuse(TOO_MANY_CELLS, self.max_cells)

        scan(archive, info, max_tags=self.max_tags, start=start)


def _styles(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    count = [0]

    def start(name: str, _attrs) -> None:
        if name.rpartition(" ")[2] in STYLE_RECORDS:
            count[0] += 1
            if count[0] > MAX_STYLES:
                raise Refused(over_limit(TOO_MANY_STYLES, MAX_STYLES))

    scan(archive, info, max_tags=8 * MAX_STYLES, start=start)


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)  # openpyxl accepts "7.0"
        if not number.is_integer():
            raise
        return int(number)
