"""Safe reading and writing of .xlsx files people upload and download.

Reading refuses, before anything is parsed: files that are not .xlsx (zip with
``[Content_Types].xml``), larger than ``max_bytes``, or whose zip expands past
``max_expanded``. openpyxl parses XML through defusedxml (installed), so entity tricks fail.
Writing escapes text that a spreadsheet would run as a formula (= + - @).
"""

from __future__ import annotations

import io
import zipfile
from typing import IO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class SheetError(ValueError):
    """The upload cannot be read; the message is Japanese and shown to the person."""


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


def read_workbook(
    upload: IO[bytes], *, max_bytes: int = 10 * 1024 * 1024, max_expanded: int = 100 * 1024 * 1024
) -> Workbook:
    """Open an uploaded .xlsx for reading values, after the size and zip checks."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise SheetError(f"ファイルが大きすぎます（上限 {max_bytes // (1024 * 1024)} MB）。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetError("Excelファイル（.xlsx）ではありません。.xlsx 形式で保存してください。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            expanded = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SheetError("ファイルが壊れているため読み込めません。") from None
    if "[Content_Types].xml" not in names:
        raise SheetError("Excelファイル（.xlsx）ではありません。.xlsx 形式で保存してください。")
    if expanded > max_expanded:
        raise SheetError("ファイルの展開後のサイズが大きすぎるため、読み込めません。")
    try:
        return load_workbook(io.BytesIO(data), data_only=False, read_only=False)
    except Exception as exc:  # openpyxl raises many kinds; all mean "unreadable" to the user
        raise SheetError(f"Excelファイルを読み込めません（{type(exc).__name__}）。") from None


def has_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")
