"""Safe reading and writing of .xlsx files people upload and download.

Every upload in the portal (accounts, plans, programme definitions, procedures, FAQs) is
opened here, and treated as hostile until proven otherwise: :func:`check` refuses the wrong
type, oversize files, zip bombs and XML entity tricks, and :func:`count_rows` counts rows in
the raw XML (a lying ``<dimension>`` cannot hide them), all before openpyxl parses anything.
openpyxl then parses through defusedxml (installed), so entity tricks fail there too.
Writing escapes text that a spreadsheet would run as a formula (= + - @).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_BYTES = 10 * 1024 * 1024
MAX_EXPANDED = 100 * 1024 * 1024
MAX_MEMBERS = 2_000
MAX_ROWS = 20_000

NOT_XLSX = "Excelブック（.xlsx）を選んでください。"
UNREADABLE = "Excelブック（.xlsx）として読み取れません。ファイルが壊れていないか確認してください。"
HAS_DTD = "XMLの文書型定義（DTD・実体参照）を含むファイルは受け付けられません。"


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


def check(data: bytes, filename: str = "", *, max_bytes: int = MAX_BYTES) -> None:
    """Refuse the wrong type, oversize files, zip bombs and XML entity tricks (no parsing)."""
    if filename and not filename.lower().endswith(".xlsx"):
        raise SheetError(NOT_XLSX)
    if len(data) > max_bytes:
        raise SheetError(f"ファイルが大きすぎます（{max_bytes // (1024 * 1024)}MBまで）。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SheetError(UNREADABLE)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_EXPANDED:
                raise SheetError(
                    "展開後のサイズが大きすぎるため受け付けられません"
                    f"（{MAX_EXPANDED // (1024 * 1024)}MBまで）。"
                )
            names = {info.filename for info in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise SheetError(UNREADABLE)
            for info in infos:
                if info.filename.endswith((".xml", ".rels", ".vml")) and _has_dtd(archive, info):
                    raise SheetError(HAS_DTD)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError):
        raise SheetError(UNREADABLE) from None


def _has_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    # A DTD must come before the root element, so the head of each part is enough.
    with archive.open(info) as stream:
        head = stream.read(8192)
    folded = head.replace(b"\x00", b"").upper()
    return b"<!DOCTYPE" in folded or b"<!ENTITY" in folded


ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


def count_rows(data: bytes) -> int:
    """Rows below the header of the longest worksheet, counted in the raw XML (call after
    :func:`check`)."""
    rows = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                rows = max(rows, _rows_in(archive, info))
    return max(rows - 1, 0)


def _rows_in(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    count, tail = 0, b""
    with archive.open(info) as stream:
        while chunk := stream.read(1 << 20):
            block = tail + chunk
            count += len(ROW_TAG.findall(block))
            # Keep the end of the block: a tag split across chunks is counted once, next time.
            cut = block.rfind(b"<")
            tail = block[cut:] if cut >= len(block) - 64 else b""
            if tail:
                count -= len(ROW_TAG.findall(tail))
    return count


def open_book(data: bytes, *, read_only: bool = True, data_only: bool = False) -> Workbook:
    """openpyxl's workbook, with its many exceptions turned into one Japanese message."""
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for a broken or hostile file
        if "Forbidden" in type(exc).__name__:  # defusedxml
            raise SheetError(HAS_DTD) from exc
        raise SheetError(UNREADABLE) from exc


def read(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    read_only: bool = True,
    data_only: bool = False,
) -> Workbook:
    """An uploaded workbook, after every check (size, zip, DTD, rows)."""
    check(data, filename, max_bytes=max_bytes)
    if count_rows(data) > max_rows:
        raise SheetError(f"行数が多すぎます（{max_rows:,}行まで）。")
    return open_book(data, read_only=read_only, data_only=data_only)


def read_upload(upload: IO[bytes], *, max_bytes: int = MAX_BYTES, **options) -> Workbook:
    """:func:`read` for an uploaded file object (reads at most ``max_bytes`` + 1 bytes)."""
    data = upload.read(max_bytes + 1)
    return read(data, getattr(upload, "name", "") or "", max_bytes=max_bytes, **options)


def has_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith("=")
