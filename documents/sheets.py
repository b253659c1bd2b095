"""The procedures catalogue as Excel: the export workbook and the editor's import.

Both use the same column layout (:data:`PROCEDURE_COLUMNS`, :data:`LINKAGE_COLUMNS`), so a
downloaded catalogue can be extended and uploaded back. The import checks every row first and
writes all or nothing; each problem names the sheet, row and column in Japanese.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from documents import rules
from documents.models import ClassesMixin, Linkage, Procedure, ProcedureField
from orgs.models import MunicipalityClass
from pmo import ooxml, xlsx
from pmo.sheets import RowError, cell_text

PROCEDURE_SHEET = "別表第1"
LINKAGE_SHEET = "別表第2"
PROCEDURE_COLUMNS = (
    ("number", "項番"),
    ("field", "分野"),
    ("name", "事務・手続"),
    ("body", "個人番号利用事務実施者"),
    ("usage", "マイナンバーの利用"),
    ("classes", "対象となる市区町村の区分"),
)
LINKAGE_COLUMNS = (
    ("number", "項番"),
    ("field", "分野"),
    ("inquirer", "情報照会者"),
    ("procedure_name", "事務・手続"),
    ("provider", "情報提供者"),
    ("information", "特定個人情報"),
    ("classes", "対象となる市区町村の区分"),
)
REQUIRED = {
    PROCEDURE_SHEET: ("number", "field", "name", "body"),
    LINKAGE_SHEET: ("number", "field", "inquirer", "procedure_name", "provider", "information"),
}
MAX_ROWS = 5000
# A worker reports its progress (0-100) every so many rows read, and again written.
PROGRESS_EVERY = 500
FILE = "-"  # the sheet column of a problem with the whole file
Progress = Callable[[int], None]


def quiet(percent: int) -> None:
    """No progress to report (an import during the request)."""


class ImportRejected(Exception):
    """The workbook has problems; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


# --- export -----------------------------------------------------------------------------------


def _write_sheet(sheet, columns, rows) -> None:
    sheet.append([label for _, label in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F5")
    for row in rows:
        sheet.append([xlsx.csv_safe(value) for value in row])
    for index, _column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 12 if index <= 2 else 36
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def catalogue_workbook(procedures, linkages) -> bytes:
    """The whole catalogue (both tables) as .xlsx bytes. Cells are formula-escaped.

    The sheet is Japanese whatever the user's language, so it can be imported back.
    """
    with translation.override("ja"):
        return _catalogue_workbook(procedures, linkages)


def _catalogue_workbook(procedures, linkages) -> bytes:
    book, first = xlsx.new_book(PROCEDURE_SHEET)
    _write_sheet(
        first,
        PROCEDURE_COLUMNS,
        ((p.number, p.field.name, p.name, p.body, p.usage, p.class_labels()) for p in procedures),
    )
    _write_sheet(
        book.create_sheet(LINKAGE_SHEET),
        LINKAGE_COLUMNS,
        (
            (
                row.number,
                row.field.name,
                row.inquirer,
                row.procedure_name,
                row.provider,
                row.information,
                row.class_labels(),
            )
            for row in linkages
        ),
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- import -----------------------------------------------------------------------------------


def _read_rows(sheet, columns, errors: list[RowError]) -> list[tuple[int, dict]]:
    labels = {label: key for key, label in columns}
    header = [
        cell_text(cell, unquote=True)
        for cell in next(sheet.iter_rows(max_row=1, values_only=True), ())
    ]
    positions = {labels[h]: i for i, h in enumerate(header) if h in labels}
    for key, label in columns:
        if key not in positions:
            errors.append(RowError(1, label, _("見出しの列がありません。"), sheet=sheet.title))
    if len(positions) < len(columns):
        return []
    rows = []
    values_below = xlsx.rows(sheet, min_row=2, values_only=True, max_rows=MAX_ROWS)
    for number, values in enumerate(values_below, start=2):
        row = {
            key: cell_text(values[i], unquote=True) if i < len(values) else ""
            for key, i in positions.items()
        }
        if any(row.values()):
            rows.append((number, row))
    return rows  # at most MAX_ROWS: counted before parsing, and again while reading


def _check_row(sheet: str, number: int, row: dict, columns, errors: list[RowError]) -> list[str]:
    labels = dict(columns)
    for key in REQUIRED[sheet]:
        if not row[key]:
            errors.append(RowError(number, labels[key], _("入力してください。"), sheet=sheet))
    max_lengths = {"number": 20, "field": 50, "name": 300, "procedure_name": 300}
    for key, limit in max_lengths.items():
        if key in row and len(row[key]) > limit:
            errors.append(
                RowError(
                    number,
                    labels[key],
                    _("%(n)s文字以内にしてください。") % {"n": limit},
                    sheet=sheet,
                )
            )
    with translation.override("ja"):
        class_labels = {code: str(label) for code, label in MunicipalityClass.choices}
    codes, unknown = rules.parse_classes(row["classes"], class_labels)
    if unknown:
        errors.append(
            RowError(
                number,
                labels["classes"],
                _(
                    "「%(words)s」は区分として読めません（政令指定都市、中核市、市、町、村、特別区）。"
                )
                % {"words": _("、").join(unknown)},
                sheet=sheet,
            )
        )
    return codes


def read_workbook(content: bytes, *, progress: Progress = quiet) -> tuple[list, list]:
    """Parse and check the workbook; raise :class:`ImportRejected` listing every problem.

    Reading is the first half of ``progress``."""
    errors: list[RowError] = []
    try:
        book = xlsx.read(content, max_rows=MAX_ROWS, data_only=True)
    except ooxml.SheetError as refused:
        raise ImportRejected([RowError(0, "", str(refused), sheet=FILE)]) from None
    try:
        procedures, linkages = _read_book(book, errors, progress)
    except ooxml.SheetError as refused:
        raise ImportRejected([RowError(0, "", str(refused), sheet=FILE)]) from None
    finally:
        book.close()
    if errors:
        raise ImportRejected(errors)
    return procedures, linkages


def _read_book(book, errors: list[RowError], progress: Progress) -> tuple[list, list]:
    procedures: list[tuple[dict, list[str]]] = []
    linkages: list[tuple[dict, list[str]]] = []
    # The counted sizes (xlsx.read), not the file's claim.
    total = max(sum(max(sheet.max_row or 1, 1) for sheet in book.worksheets), 1)
    done = 0
    if PROCEDURE_SHEET not in book.sheetnames and LINKAGE_SHEET not in book.sheetnames:
        errors.append(
            RowError(0, "", _("「別表第1」「別表第2」のシートがありません。"), sheet=FILE)
        )
    for sheet_name, columns, target in (
        (PROCEDURE_SHEET, PROCEDURE_COLUMNS, procedures),
        (LINKAGE_SHEET, LINKAGE_COLUMNS, linkages),
    ):
        if sheet_name not in book.sheetnames:
            continue
        seen: dict[tuple, int] = {}
        for number, row in _read_rows(book[sheet_name], columns, errors):
            done += 1
            if done % PROGRESS_EVERY == 0:
                progress(49 * done // total)
            codes = _check_row(sheet_name, number, row, columns, errors)
            key = (
                (row["number"],)
                if sheet_name == PROCEDURE_SHEET
                else (row["number"], row["inquirer"], row["provider"], row["information"])
            )
            if key in seen:
                errors.append(
                    RowError(
                        number,
                        dict(columns)["number"],
                        _("%(row)s行目と同じ行です。") % {"row": seen[key]},
                        sheet=sheet_name,
                    )
                )
            seen[key] = number
            target.append((row, codes))
    return procedures, linkages


@transaction.atomic
def import_workbook(content: bytes, *, progress: Progress = quiet) -> dict[str, int]:
    """Add or update catalogue rows from an editor's workbook, all or nothing.

    ``progress(percent)`` is called every :data:`PROGRESS_EVERY` rows read and written; an
    exception it raises (a worker that lost its lease) rolls the whole import back."""
    procedures, linkages = read_workbook(content, progress=progress)
    written, to_write = 0, max(len(procedures) + len(linkages), 1)

    def step() -> None:
        nonlocal written
        written += 1
        if written % PROGRESS_EVERY == 0:
            progress(50 + 49 * written // to_write)

    fields: dict[str, ProcedureField] = {}

    def field(name: str) -> ProcedureField:
        if name not in fields:
            fields[name] = ProcedureField.objects.get_or_create(
                name=name, defaults={"order": ProcedureField.objects.count() + 1}
            )[0]
        return fields[name]

    counts = {"procedures": 0, "linkages": 0}
    for row, codes in procedures:
        Procedure.objects.update_or_create(
            number=row["number"],
            defaults={
                "field": field(row["field"]),
                "name": row["name"],
                "body": row["body"],
                "usage": row["usage"],
                "municipality_classes": ClassesMixin.encode_classes(codes),
            },
        )
        counts["procedures"] += 1
        step()
    for row, codes in linkages:
        Linkage.objects.update_or_create(
            number=row["number"],
            inquirer=row["inquirer"],
            provider=row["provider"],
            information=row["information"],
            defaults={
                "field": field(row["field"]),
                "procedure_name": row["procedure_name"],
                "municipality_classes": ClassesMixin.encode_classes(codes),
            },
        )
        counts["linkages"] += 1
        step()
    return counts
