"""The plan workbook: its layout (the sheet, the columns, how a text cell is escaped), the
export, and the checks an upload passes before anything is read. Reading an upload into the
plan is :mod:`actionplan.excel_import`; running it as a job, :mod:`actionplan.import_jobs`.

Uploads are treated as hostile until proven otherwise: :func:`preflight` refuses the wrong
type, oversize files, zip bombs, XML entity tricks and too many rows (:mod:`pmo.xlsx`) before
openpyxl parses anything.

Completion items (完了時の入力項目) have one column each after the fixed :data:`COLUMNS`,
editable on their own task's rows only; :mod:`actionplan.excel_items` writes and reads them
and explains the layout.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from actionplan import excel_items
from actionplan.models import PlanEntry, Programme, Status
from orgs.models import Organization
from pmo import ooxml, xlsx, xlsx_check

MAX_BYTES = xlsx_check.MAX_BYTES
MAX_ROWS = xlsx_check.MAX_ROWS
SHEET = "計画"
META_SHEET = "_meta"
ERROR_SHEET = "エラー一覧"
FORMULA_STARTS = xlsx.FORMULA_PREFIXES

STATUS_LABELS = {str(label): value for value, label in Status.choices}
LABEL_OF_STATUS = {value: str(label) for value, label in Status.choices}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    editable: bool = False
    hidden: bool = False


COLUMNS = (
    Column("id", "キー", 8, hidden=True),
    Column("version", "版", 6, hidden=True),
    Column("work_item", "作業項目", 26),
    Column("task", "タスク", 26),
    Column("system", "対象システム", 16),
    Column("milestone", "マイルストーン", 14),
    Column("planned_start", "計画開始", 13, editable=True),
    Column("planned_end", "計画終了", 13, editable=True),
    Column("actual_start", "実績開始", 13, editable=True),
    Column("actual_end", "実績終了", 13, editable=True),
    Column("status", "状況", 10, editable=True),
    Column("not_applicable_reason", "対象外の理由", 24, editable=True),
    Column("progress", "進捗率（%）", 10, editable=True),
    Column("remarks", "備考", 36, editable=True),
)
INDEX = {column.key: number for number, column in enumerate(COLUMNS, start=1)}
KEY_COLUMNS = ("work_item", "task", "system")
DATE_COLUMNS = ("planned_start", "planned_end", "actual_start", "actual_end")
TEXT_COLUMNS = ("not_applicable_reason", "remarks")


# The file is refused as a whole, before anything is read into the plan.
UploadRefused = ooxml.SheetError


def escape(text: str) -> str:
    """Text that Excel will show, never run: a leading = + - @ gets a quote prefix."""
    return "'" + text if text and text.startswith(FORMULA_STARTS) else text


def unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def key_values(entry: PlanEntry) -> dict[str, str]:
    return {
        "work_item": str(entry.task.work_item),
        "task": entry.task.name,
        "system": entry.system.name if entry.system else "",
    }


# --- Export ---------------------------------------------------------------------------------


def export(
    organization: Organization,
    programme: Programme,
    rows: Iterable[Any],
) -> bytes:
    """The plan as a workbook: key columns locked, a hidden key and version per row, a status
    drop-down, date and percentage validation, then the completion items' columns (one query
    for them). ``rows`` are selector rows (entry + milestone)."""
    book, sheet = xlsx.new_book(SHEET)
    items = excel_items.columns_for(programme, first=len(COLUMNS) + 1)
    _header(sheet)
    excel_items.write_header(sheet, items)
    answerable: dict[int, list[int]] = defaultdict(list)  # item pk -> rows that answer it
    count = 0
    for count, row in enumerate(rows, start=1):
        _write_row(sheet, count + 1, row.entry, row.milestone)
        for column in excel_items.write_answers(sheet, count + 1, row.entry, items):
            answerable[column.item.pk].append(count + 1)
    last = max(count + 1, 2)
    _validations(sheet, programme, last)
    excel_items.add_validations(sheet, items, answerable)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.autoFilter = False
    sheet.freeze_panes = "G2"
    meta = book.create_sheet(META_SHEET)
    meta.append(["organization", organization.code])
    meta.append(["programme", programme.pk])
    for meta_row in excel_items.meta_rows(items):
        meta.append(meta_row)
    meta.sheet_state = "veryHidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _header(sheet) -> None:
    bold = Font(bold=True)
    for number, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=number, value=column.title)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE6F5" if column.editable else "EEEEEE")
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = column.width
        sheet.column_dimensions[letter].hidden = column.hidden


def _write_row(sheet, number: int, entry: PlanEntry, milestone: dt.date | None) -> None:
    values = {
        "id": entry.pk,
        "version": entry.version,
        **{k: escape(v) for k, v in key_values(entry).items()},
        "milestone": milestone,
        "planned_start": entry.planned_start,
        "planned_end": entry.planned_end,
        "actual_start": entry.actual_start,
        "actual_end": entry.actual_end,
        "status": LABEL_OF_STATUS.get(entry.status, entry.status),
        "not_applicable_reason": escape(entry.not_applicable_reason),
        "progress": entry.progress,
        "remarks": escape(entry.remarks),
    }
    for column in COLUMNS:
        cell = sheet.cell(row=number, column=INDEX[column.key], value=values[column.key])
        if isinstance(values[column.key], str):
            cell.data_type = "s"  # never a formula, whatever the text
        if isinstance(values[column.key], dt.date):
            cell.number_format = "yyyy/mm/dd"
        if column.editable:
            cell.protection = Protection(locked=False)
        if column.key in TEXT_COLUMNS:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _validations(sheet, programme: Programme, last: int) -> None:
    def letter(key: str) -> str:
        return get_column_letter(INDEX[key])

    statuses = ",".join(STATUS_LABELS)
    status = DataValidation(
        type="list",
        formula1=f'"{statuses}"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle=gettext("状況"),
        error=gettext("状況は一覧（%(choices)s）から選んでください。")
        % {"choices": pgettext("list separator", "・").join(STATUS_LABELS)},
    )
    status.add(f"{letter('status')}2:{letter('status')}{last}")
    start, end = programme.starts_on, programme.ends_on
    dates = DataValidation(
        type="date",
        operator="between",
        formula1=f"DATE({start.year},{start.month},{start.day})",
        formula2=f"DATE({end.year},{end.month},{end.day})",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=gettext("日付"),
        error=gettext("%(start)s〜%(end)s の日付を入力してください。")
        % {"start": f"{start:%Y/%m/%d}", "end": f"{end:%Y/%m/%d}"},
    )
    dates.add(f"{letter('planned_start')}2:{letter('actual_end')}{last}")
    percent = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2="100",
        showErrorMessage=True,
        error=gettext("進捗率は0から100の整数で入力してください。"),
    )
    percent.add(f"{letter('progress')}2:{letter('progress')}{last}")
    for validation in (status, dates, percent):
        sheet.add_data_validation(validation)


# --- Upload checks (pmo.xlsx, the portal's one safety layer) -----------------------------


def preflight(data: bytes, filename: str) -> int:
    """Refuse a hostile or unusable upload before parsing it. Returns the number of data rows."""
    book, rows = open_checked(data, filename)
    book.close()
    return rows


def open_checked(data: bytes, filename: str) -> tuple[Workbook, int]:
    """The checked workbook (read-only) and the rows below the header of its plan sheet,
    as counted in the sheet's XML (:func:`pmo.xlsx.read`)."""
    book = xlsx.read(data, filename)
    if SHEET not in book.sheetnames:
        book.close()
        raise UploadRefused(
            gettext(
                "シート「%(sheet)s」が見つかりません。ダウンロードしたファイルを使ってください。"
            )
            % {"sheet": SHEET}
        )
    return book, max((book[SHEET].max_row or 1) - 1, 0)
