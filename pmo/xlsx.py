"""Safe reading and writing of the Office (OOXML) files people upload and download.

Every .xlsx, .docx and .pptx upload in the portal is opened here first and treated as
hostile until proven otherwise:

- :func:`check_package` (any OOXML zip: documents, 取組情報, inquiry attachments) limits the
  zip itself before anything is parsed: number of parts, declared size of each part and of
  all together, compression ratio (zip bombs), and refuses any part with a DTD (XXE,
  "billion laughs"). A part's declared size is a real bound: :mod:`zipfile` never inflates
  more than it declares, and openpyxl reads through :mod:`zipfile` too.
- :func:`check` (workbooks the portal reads: accounts, plans, programme definitions,
  procedures, FAQs) adds the workbook itself, found the way openpyxl finds it —
  ``[Content_Types].xml`` → the workbook part → its rels → each sheet's part, whatever their
  names — and counts rows, columns and cells in the XML of every sheet part, stopping at the
  first one over the limit, so a 25,000-row sheet stored as ``xl/sheetsx/sheet1.xml`` is
  refused in milliseconds. Every other XML part is limited in tags; parts nothing refers to
  may only be small.
- :func:`read` opens the checked workbook read-only, confirms openpyxl reads exactly the
  sheet parts counted, and sets each sheet's size to the counted one (a lying
  ``<dimension>`` can neither hide rows nor pad them). :func:`rows` is the second line: the
  importers iterate through it and stop with the same message past the row or cell limit,
  so even a file that fooled the count cannot run long.

openpyxl then parses through defusedxml (installed), so entity tricks fail there too.
Writing escapes text that a spreadsheet would run as a formula (= + - @).
"""

from __future__ import annotations

import io
import posixpath
import pyexpat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Literal, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_BYTES = 10 * 1024 * 1024
MAX_EXPANDED = 100 * 1024 * 1024
MAX_MEMBERS = 2_000
MAX_ROWS = 20_000
MAX_COLUMNS = 256
MAX_CELLS = 1_000_000
# Apache POI's zip-bomb rule (ZipSecureFile): a part may not inflate more than 100 times, once
# it is big enough to matter. Real sheets compress 5-20 times.
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
# A part nothing in the package refers to is never needed; a big one is only padding.
MAX_UNREFERENCED = 256 * 1024
# Tags ("<") in any other part openpyxl may parse (rels, comments, drawings…).
MAX_OTHER_TAGS = 1_000_000
# The parts openpyxl parses on every load, each tag into an object (about 25 µs each): the
# workbook (sheets, defined names) and the document properties stay small in real files…
MAX_WORKBOOK_TAGS = 200_000
# …and styles are held to Excel's own limit of 65,490 formats (xf, font, fill, border…).
STYLES = "xl/styles.xml"
MAX_STYLES = 65_490
STYLE_RECORDS = {"xf", "font", "fill", "border", "numFmt", "dxf", "cellStyle"}

NOT_XLSX = gettext_noop("Excelブック（.xlsx）を選んでください。")
UNREADABLE = gettext_noop(
    "Excelブック（.xlsx）として読み取れません。ファイルが壊れていないか確認してください。"
)
NOT_OOXML = gettext_noop(
    "Office ファイルとして読み取れません。ファイルが壊れていないか確認してください。"
)
HAS_DTD = gettext_noop("XMLの文書型定義（DTD・実体参照）を含むファイルは受け付けられません。")
TOO_LARGE = gettext_noop("ファイルが大きすぎます（%(limit)sMBまで）。")
EXPANDED = gettext_noop("展開後のサイズが大きすぎるため受け付けられません（%(limit)sMBまで）。")
TOO_MANY_PARTS = gettext_noop(
    "ファイルを構成する部品が多すぎるため受け付けられません（%(limit)s個まで）。"
)
BOMB = gettext_noop(
    "圧縮率が極端に高い部品を含むため受け付けられません（zip爆弾のおそれがあります）。"
)
UNREFERENCED = gettext_noop(
    "ブックのどこからも使われていない大きな部品を含むため受け付けられません。"
)
TOO_MANY_TAGS = gettext_noop("ファイルの中身（XMLの要素）が多すぎるため受け付けられません。")
TOO_MANY_STYLES = gettext_noop("セルの書式が多すぎるため受け付けられません（%(limit)s個まで）。")
TOO_MANY_ROWS = gettext_noop("行数が多すぎます（%(limit)s行まで）。")
TOO_MANY_COLUMNS = gettext_noop("列数が多すぎます（%(limit)s列まで）。")
TOO_MANY_CELLS = gettext_noop("セルの数が多すぎます（%(limit)sセルまで）。")

CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
# Parts openpyxl reads by their fixed name, whether anything refers to them or not.
FIXED_PARTS = (
    "docProps/core.xml",
    "docProps/app.xml",
    "docProps/custom.xml",
    "xl/workbook.xml",
    "xl/styles.xml",
    "xl/theme/theme1.xml",
    "xl/sharedStrings.xml",
)
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.%s.main+xml"
WORKBOOK_TYPES = (  # openpyxl's order (reader.excel._find_workbook_part)
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    SPREADSHEET % "sheet",
)
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


class SheetError(ValueError):
    """The upload cannot be read; the message is Japanese and shown to the person."""


@dataclass(frozen=True)
class Extent:
    """What one sheet part holds, as openpyxl will iterate it (gaps between rows count)."""

    rows: int  # the last row number, header included
    columns: int  # the last column number
    cells: int  # <c> elements


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


# --- Any OOXML package (.xlsx, .docx, .pptx) -----------------------------------------------


def check_package(
    source: bytes | IO[bytes],
    *,
    max_expanded: int = MAX_EXPANDED,
    max_members: int = MAX_MEMBERS,
    unreadable: str = NOT_OOXML,
) -> None:
    """Refuse a zip bomb, too many parts or a part with a DTD (no XML is parsed beyond the
    prolog of each part). ``source`` is the bytes or a seekable binary file (rewound after)."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    start = stream.tell()
    try:
        with _zip(stream, unreadable) as archive:
            infos = _members(archive, max_expanded=max_expanded, max_members=max_members)
            for info in infos:
                _scan(archive, info, max_tags=None, unreadable=unreadable)
    finally:
        stream.seek(start)


class _Zip:
    """A :class:`zipfile.ZipFile` whose read errors all become ``unreadable``."""

    def __init__(self, stream: IO[bytes], unreadable: str) -> None:
        self.unreadable = unreadable
        try:
            self.archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise SheetError(_(unreadable)) from None

    def __enter__(self) -> zipfile.ZipFile:
        return self.archive

    def __exit__(self, kind, error, trace) -> Literal[False]:
        self.archive.close()
        if isinstance(error, ZIP_ERRORS) and not isinstance(error, SheetError):
            raise SheetError(_(self.unreadable)) from error
        return False


# Broken, encrypted (RuntimeError) or unsupported (NotImplementedError) members.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
)


def _zip(stream: IO[bytes], unreadable: str) -> _Zip:
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise SheetError(_(unreadable))
    return _Zip(stream, unreadable)


def _members(
    archive: zipfile.ZipFile, *, max_expanded: int, max_members: int
) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    if len(infos) > max_members:
        raise SheetError(_(TOO_MANY_PARTS) % {"limit": f"{max_members:,}"})
    if sum(info.file_size for info in infos) > max_expanded:
        raise SheetError(_(EXPANDED) % {"limit": max_expanded // (1024 * 1024)})
    if len({info.filename for info in infos}) != len(infos):
        raise ValueError("duplicate part names")  # which one is read is a reader's guess
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
            raise SheetError(_(BOMB))
    return infos


class _Stop(Exception):
    """The scan has seen enough (the root element, for a prolog-only scan)."""


class _Refused(Exception):
    """Raised inside an expat handler; ``message`` is the translated one to show."""

    def __init__(self, message: str) -> None:
        self.message = message


def _scan(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    *,
    max_tags: int | None,
    start=None,
    unreadable: str = UNREADABLE,
) -> bool:
    """Stream one part through expat (the parser openpyxl's ElementTree uses): refuse a DTD,
    stop past ``max_tags`` tags, and call ``start(name, attributes)`` per element.

    With ``max_tags=None`` only the prolog is read (a DTD must come before the root). Returns
    whether the part is XML at all; images and other binary parts are not, and are left alone.
    """
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args) -> None:
        raise _Refused(_(HAS_DTD))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    if max_tags is None:

        def root(*_args) -> None:
            raise _Stop

        parser.StartElementHandler = root
    elif start is not None:
        parser.StartElementHandler = start
    tags = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 16 if max_tags is None else 1 << 20):
                if max_tags is not None:
                    tags += chunk.count(b"<")
                    if tags > max_tags:
                        raise _Refused(_(TOO_MANY_TAGS))
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Stop:
        return True
    except _Refused as refused:
        raise SheetError(refused.message) from None
    except pyexpat.ExpatError:
        return False
    except ZIP_ERRORS:
        raise SheetError(_(unreadable)) from None
    return True


# --- Workbooks the portal reads -----------------------------------------------------------


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
    with _zip(io.BytesIO(data), UNREADABLE) as archive:
        infos = {
            info.filename: info
            for info in _members(archive, max_expanded=MAX_EXPANDED, max_members=MAX_MEMBERS)
        }
        for info in infos.values():  # DTDs first: nothing below parses a part that has one
            _scan(archive, info, max_tags=None)
        package = _Package(archive, infos)
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
                _scan(archive, infos[name], max_tags=MAX_WORKBOOK_TAGS)
            else:
                _scan(archive, infos[name], max_tags=MAX_OTHER_TAGS)
        return extents


def count_rows(data: bytes, filename: str = "", *, every_sheet: bool = False, **limits) -> int:
    """Rows below the header of the longest sheet (``every_sheet``: of all sheets together),
    as :func:`check` counts them (it runs, so a refused file raises :class:`SheetError`).
    Imports use it to decide between the request and a worker job (:mod:`pmo.jobs`)."""
    counts = [max(extent.rows - 1, 0) for extent in check(data, filename, **limits).values()]
    return sum(counts) if every_sheet else max(counts, default=0)


RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
R_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"


class _Package:
    """The parts of a workbook package, found as openpyxl finds them."""

    def __init__(self, archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> None:
        self.archive, self.infos = archive, infos
        self.workbook = self.shared_strings = ""

    def resolve(self) -> tuple[list[str], set[str]]:
        """The sheet parts the workbook lists, and every part anything refers to."""
        if CONTENT_TYPES not in self.infos:
            raise ValueError("no content types")
        overrides, defaults = [], set()
        for name, attrs in self._elements(CONTENT_TYPES):
            if name.endswith(" Override"):
                overrides.append((attrs.get("PartName", "").lstrip("/"), attrs.get("ContentType")))
            elif name.endswith(" Default"):
                defaults.add(attrs.get("ContentType"))
        workbook = next(
            (part for kind in WORKBOOK_TYPES for part, ct in overrides if ct == kind), None
        )
        if workbook is None and defaults & set(WORKBOOK_TYPES):
            workbook = "xl/workbook.xml"
        if workbook is None or workbook not in self.infos:
            raise ValueError("no workbook part")
        self.workbook = workbook
        self.shared_strings = next((p for p, ct in overrides if ct == SHARED_STRINGS), "")
        workbook_rels = self._relationships(workbook)
        ids = [
            attrs[R_ID]
            for name, attrs in self._elements(workbook)
            if name.endswith(" sheet") and R_ID in attrs
        ]
        sheets = []
        for sheet_id in ids:
            target = workbook_rels.get(sheet_id)
            if target is None:
                raise ValueError("sheet without a relationship")
            if target in self.infos and target not in sheets:  # openpyxl skips missing ones
                sheets.append(target)
        referenced = {CONTENT_TYPES, workbook, *FIXED_PARTS, *(p for p, _ct in overrides)}
        # Everything reachable through relationships, from the package and the workbook.
        queue = [ROOT_RELS, workbook, *sheets]
        seen: set[str] = set()
        while queue:
            part = queue.pop()
            if part in seen or part not in self.infos:
                continue
            seen.add(part)
            referenced.add(part)
            if part.endswith(".rels"):
                queue.extend(self._targets(part).values())
            else:
                queue.append(rels_path(part))
        return sheets, referenced & set(self.infos)

    def _relationships(self, part: str) -> dict[str, str]:
        path = rels_path(part)
        if path not in self.infos:
            raise ValueError("no relationships")
        return self._targets(path)

    def _targets(self, path: str) -> dict[str, str]:
        """Id → part name, resolved like openpyxl's ``get_dependents``."""
        parent = posixpath.split(posixpath.dirname(path))[0]
        targets = {}
        for name, attrs in self._elements(path):
            if name != f"{RELS_NS} Relationship" or attrs.get("TargetMode") == "External":
                continue
            target = attrs.get("Target", "")
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(parent, target))
            targets[attrs.get("Id", "")] = target
        return targets

    def _elements(self, part: str) -> list[tuple[str, dict[str, str]]]:
        # Content types, the workbook and rels: small in real files, and held in memory here.
        found: list[tuple[str, dict[str, str]]] = []
        if not _scan(
            self.archive,
            self.infos[part],
            max_tags=MAX_WORKBOOK_TAGS,
            start=lambda name, attrs: found.append((name, attrs)),
        ):
            raise ValueError(f"{part} is not XML")
        return found


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


class _Counter:
    """Rows, columns and cells of each sheet part, with the limits of one import."""

    def __init__(self, *, max_rows: int, max_columns: int, max_cells: int) -> None:
        self.max_rows, self.max_columns, self.max_cells = max_rows, max_columns, max_cells
        self.cells = 0  # over every sheet
        self.max_tags = 8 * (max_cells + max_rows) + 100_000

    def refuse(self, message: str, limit: int) -> _Refused:
        return _Refused(_(message) % {"limit": f"{limit:,}"})

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

        if not _scan(archive, info, max_tags=self.max_tags, start=start):
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

        _scan(archive, info, max_tags=self.max_tags, start=start)


def _styles(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    count = [0]

    def start(name: str, _attrs) -> None:
        if name.rpartition(" ")[2] in STYLE_RECORDS:
            count[0] += 1
            if count[0] > MAX_STYLES:
                raise _Refused(_(TOO_MANY_STYLES) % {"limit": f"{MAX_STYLES:,}"})

    _scan(archive, info, max_tags=8 * MAX_STYLES, start=start)


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)  # openpyxl accepts "7.0"
        if not number.is_integer():
            raise
        return int(number)


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
            raise SheetError(_(TOO_MANY_ROWS) % {"limit": f"{max_rows:,}"})
        cells += len(row)
        if cells > max_cells:
            raise SheetError(_(TOO_MANY_CELLS) % {"limit": f"{max_cells:,}"})
        yield row
