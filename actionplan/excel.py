"""The Excel round trip of a plan: export a workbook, check an uploaded one, write it all or
nothing, and on errors hand back the same workbook with each bad cell marked.

Uploads are treated as hostile until proven otherwise: :func:`preflight` refuses the wrong
type, oversize files, zip bombs, XML entity tricks and too many rows (:mod:`pmo.xlsx`) before
openpyxl parses anything.

Completion items (完了時の入力項目) have one column each after the fixed :data:`COLUMNS`,
editable on their own task's rows only; :mod:`actionplan.excel_items` writes and reads them
and explains the layout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy, pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from actionplan import excel_items, rules, services
from actionplan.excel_items import ItemColumn
from actionplan.models import PlanEntry, Programme, Status
from orgs.models import Organization
from pmo import jobs, ooxml, xlsx, xlsx_check
from pmo.sheets import cell_int

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

OLD_FILE = gettext_lazy(
    "（このファイルには完了時の入力項目の列がありません。最新のファイルをダウンロードしてください）"
)

# The file is refused as a whole, before anything is read into the plan.
UploadRefused = ooxml.SheetError


def escape(text: str) -> str:
    """Text that Excel will show, never run: a leading = + - @ gets a quote prefix."""
    return "'" + text if text and text.startswith(FORMULA_STARTS) else text


def unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _key_values(entry: PlanEntry) -> dict[str, str]:
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
        **{k: escape(v) for k, v in _key_values(entry).items()},
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
    book, rows = _open(data, filename)
    book.close()
    return rows


def _open(data: bytes, filename: str) -> tuple[Workbook, int]:
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


# --- Import ---------------------------------------------------------------------------------


@dataclass
class CellError:
    row: int
    column: str  # a COLUMNS key, or a completion item's (ItemColumn.key)
    message: str
    number: int = 0  # the column in the sheet; found from COLUMNS when left 0
    title: str = ""

    def __post_init__(self) -> None:
        if not self.number:
            self.number = INDEX[self.column]
            self.title = COLUMNS[self.number - 1].title

    @classmethod
    def at(cls, row: int, column: ItemColumn, message: str) -> CellError:
        return cls(row, column.key, message, column.number, column.title)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": get_column_letter(self.number),
            "title": self.title,
            "message": self.message,
        }


@dataclass
class ImportResult:
    rows: int = 0
    changed: int = 0
    errors: list[CellError] = field(default_factory=list)
    marked: bytes | None = None


def import_plan(
    user,
    organization: Organization,
    programme: Programme,
    data: bytes,
    *,
    progress: Callable[[int, int], None] | None = None,
    on: dt.date | None = None,
) -> ImportResult:
    """Check every row, then write all changed rows in one transaction, or nothing.

    Raises :class:`UploadRefused` for a file that is not this organisation's plan sheet.
    """
    book, total = _open(data, "upload.xlsx")  # every check again: jobs read stored uploads
    try:
        items = _check_meta(book, organization, programme)
        width = len(COLUMNS) + len(items)
        # Streamed, and stopped past the row limit even if the count was fooled.
        raw_rows = xlsx.rows(book[SHEET], min_row=2, max_col=width)
        entries = _entries(organization, programme)
        result = ImportResult(rows=total)
        changes: list[tuple[int, PlanEntry, dict[str, Any], int]] = []
        for index, cells in enumerate(raw_rows, start=2):
            change = _read_row(index, cells, entries, items, result.errors, on=on)
            if change:
                changes.append((index, *change))
            if progress and index % 250 == 0:
                progress(index - 1, total * 2)
    finally:
        book.close()
    if not result.errors:
        _write(user, changes, result, progress, total, on=on)
    if result.errors:
        result.marked = mark(data, result.errors)
    else:
        result.changed = len(changes)
    return result


def _check_meta(book, organization: Organization, programme: Programme) -> tuple[ItemColumn, ...]:
    """Refuse another organisation's or programme's file; returns the sheet's item columns."""
    meta, recorded = {}, []
    if META_SHEET in book.sheetnames:
        for key, *values in book[META_SHEET].iter_rows(max_col=4, values_only=True):
            if key == excel_items.META_KEY:
                recorded.append(values)
            else:
                meta[key] = values[0]
    if meta.get("organization") not in (None, organization.code):
        raise UploadRefused(
            gettext(
                "他の団体の計画ファイルです。自団体の計画画面からダウンロードしたファイルを使ってください。"
            )
        )
    if meta.get("programme") not in (None, programme.pk):
        raise UploadRefused(gettext("別のプログラムの計画ファイルです。"))
    width = len(COLUMNS) + len(recorded) if recorded else None
    header = next(book[SHEET].iter_rows(max_row=1, max_col=width, values_only=True), ())
    return excel_items.sheet_columns(programme, recorded, header, first=len(COLUMNS) + 1)


def _entries(organization: Organization, programme: Programme) -> dict[int, PlanEntry]:
    return {
        entry.pk: entry
        for entry in PlanEntry.objects.for_plan(organization, programme)
        .select_related("task__work_item__programme")
        .prefetch_related("task__completion_items")
    }


def _read_row(
    index: int,
    cells: tuple,
    entries: dict[int, PlanEntry],
    items: tuple[ItemColumn, ...],
    errors: list[CellError],
    *,
    on: dt.date | None,
) -> tuple[PlanEntry, dict[str, Any], int] | None:
    raw = {column.key: _value(cells, n) for n, column in enumerate(COLUMNS, start=1)}
    answers = [(column, _value(cells, column.number)) for column in items]
    if all(value in (None, "") for value in [*raw.values(), *(v for _, v in answers)]):
        return None
    errors.extend(_formulas(index, cells, items))
    if any(error.row == index for error in errors):
        return None
    entry = _entry_of(index, raw, entries, errors)
    if entry is None:
        return None
    keys = _key_values(entry)
    for key in KEY_COLUMNS:
        if unescape(str(raw[key] or "")) != keys[key]:
            errors.append(
                CellError(
                    index,
                    key,
                    gettext("キー列は変更できません（元の値: %(value)s）。")
                    % {"value": keys[key] or gettext("空欄")},
                )
            )
    data, problems = _parse(raw)
    for key, message in problems.items():
        errors.append(CellError(index, key, message))
    if items:
        data["completion"], answer_problems = excel_items.read_answers(entry, answers)
        columns = {column.key: column for column in items}
        for key, message in answer_problems.items():
            errors.append(CellError.at(index, columns[key], message))
        problems |= answer_problems
    if any(error.row == index for error in errors) and not problems:
        return None  # key problems: the row cannot be read further
    if not problems and all(getattr(entry, name) == data[name] for name in data):
        return None  # unchanged: the no-op round trip writes nothing
    if cell_int(raw["version"]) != entry.version:
        who = entry.updated_by.display_name if entry.updated_by else ""
        message = gettext(
            "ダウンロード後に%(name)sさんがこの行を変更しました。"
            "最新のファイルをダウンロードし直してください。"
        ) % {"name": who or gettext("他の人")}
        errors.append(CellError(index, "task", message))
        return None
    # Check the rules on every readable cell too, so one upload reports all of a row's errors.
    errors.extend(_rule_errors(index, entry, data, problems, items, on=on))
    if any(error.row == index for error in errors):
        return None
    return entry, data, entry.version


def _value(cells: tuple, number: int) -> Any:
    return cells[number - 1].value if number <= len(cells) else None


def _formulas(index: int, cells: tuple, items: tuple[ItemColumn, ...]) -> list[CellError]:
    def formula(number: int) -> bool:
        return number <= len(cells) and getattr(cells[number - 1], "data_type", None) == "f"

    message = gettext("数式は使えません。値を入力してください。")
    found = [
        CellError(index, column.key, message)
        for number, column in enumerate(COLUMNS, start=1)
        if formula(number)
    ]
    return found + [
        CellError.at(index, column, message) for column in items if formula(column.number)
    ]


def _entry_of(
    index: int, raw: dict[str, Any], entries: dict[int, PlanEntry], errors: list[CellError]
) -> PlanEntry | None:
    entry = entries.get(cell_int(raw["id"]) or -1)
    if entry is None:
        if PlanEntry.objects.filter(pk=cell_int(raw["id"]) or -1).exists():
            raise UploadRefused(
                gettext(
                    "%(row)s行目: 他の団体の行が含まれています。自団体のファイルを使ってください。"
                )
                % {"row": index}
            )
        errors.append(
            CellError(
                index,
                "task",
                gettext(
                    "この行のキーが見つかりません。行を追加・複製せず、ダウンロードしたファイルを使ってください。"
                ),
            )
        )
    return entry


def _rule_errors(
    index: int,
    entry: PlanEntry,
    data: dict[str, Any],
    problems: dict[str, str],
    items: tuple[ItemColumn, ...],
    *,
    on: dt.date | None,
) -> list[CellError]:
    """The plan's rules on the row, each problem on its cell (skipping cells already wrong)."""
    columns = {column.key: column for column in items}
    values = services.values_of(entry, data)
    found = []
    for name, message in rules.validate(values, services.context_for(entry, on=on)).items():
        if name in problems:
            continue
        if name in columns:
            found.append(CellError.at(index, columns[name], message))
        elif name.startswith("c_"):  # a file downloaded before it had completion columns
            found.append(CellError(index, "status", f"{message}{OLD_FILE}"))
        else:
            found.append(CellError(index, name if name in INDEX else "status", message))
    return found


def _parse(raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key in DATE_COLUMNS:
        value = raw[key]
        if isinstance(value, dt.datetime):
            data[key] = value.date()
        elif isinstance(value, dt.date):
            data[key] = value
        elif value in (None, ""):
            data[key] = None
        else:
            try:
                data[key] = dt.datetime.strptime(str(value).strip(), "%Y/%m/%d").date()
            except ValueError:
                problems[key] = gettext("日付を 2015/07/09 の形で入力してください。")
    status = str(raw["status"] or "").strip()
    if status not in STATUS_LABELS:
        problems["status"] = gettext(
            "状況は一覧（未着手・実施中・完了・対象外）から選んでください。"
        )
    else:
        data["status"] = STATUS_LABELS[status]
    progress = raw["progress"]
    if progress in (None, ""):
        data["progress"] = 0
    elif (
        isinstance(progress, (int, float)) and float(progress).is_integer() and 0 <= progress <= 100
    ):
        data["progress"] = int(progress)
    else:
        problems["progress"] = gettext("進捗率は0から100の整数で入力してください。")
    for key in TEXT_COLUMNS:
        text = unescape(str(raw[key] or ""))
        if len(text) > 2000:
            problems[key] = gettext("2,000文字以内で入力してください。")
        data[key] = text
    return data, problems


def _write(user, changes, result: ImportResult, progress, total: int, *, on) -> None:
    """Every changed row in one bulk save (:func:`actionplan.services.save_entries`): a few
    statements per batch of rows and one ``entry_saved``, or nothing when a row is stale."""

    def step(done: int, count: int) -> None:
        if progress:
            progress(total + done * total // max(count, 1), total * 2)

    try:
        services.save_entries(user, [change[1:] for change in changes], on=on, progress=step)
    except services.ConflictError as conflict:
        row = next(i for i, e, _, _ in changes if e.pk == conflict.current.pk)
        result.errors.append(
            CellError(
                row,
                "task",
                gettext(
                    "取込中に%(name)sさんがこの行を変更しました。もう一度ダウンロードしてください。"
                )
                % {"name": conflict.changed_by},
            )
        )
    except services.EntryInvalid as invalid:
        row = next((i for i, e, _, _ in changes if e.pk == invalid.entry_id), 2)
        result.errors.append(CellError(row, "status", str(invalid)))


def mark(data: bytes, errors: list[CellError]) -> bytes:
    """The uploaded workbook with each bad cell filled red and commented, plus an error list."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    fill = PatternFill("solid", fgColor="FFC7CE")
    for error in errors:
        cell = sheet.cell(row=error.row, column=error.number)
        cell.fill = fill
        note = f"{cell.comment.text}\n{error.message}" if cell.comment else error.message
        cell.comment = Comment(note, gettext("デジタルPMO"), width=300, height=120)
    if ERROR_SHEET in book.sheetnames:
        del book[ERROR_SHEET]
    listing = book.create_sheet(ERROR_SHEET, 0)
    listing.append(
        [gettext("シート"), gettext("行"), gettext("列"), gettext("項目"), gettext("内容")]
    )
    for error in errors:
        shown = error.as_dict()
        listing.append(
            [SHEET, shown["row"], shown["column"], shown["title"], escape(shown["message"])]
        )
    listing.column_dimensions["E"].width = 80
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- Import jobs ----------------------------------------------------------------------------


class LeaseLost(Exception):
    """The job's lease expired while it ran (pmo.jobs.expire_stale): stop, write nothing."""


def progress_key(job_id: int) -> str:
    return f"actionplan:import:{job_id}"


def job_progress(job) -> tuple[int, int]:
    """(done, total) of a running job, from the cache the worker writes (visible mid-write;
    the job row's own figures if the cache is unreachable)."""
    from django.core.cache import cache

    try:
        cached = cache.get(progress_key(job.pk))
    except Exception:  # a cache outage must not break the job page
        cached = None
    return cached or (job.done, job.total or 1)


def _cache_progress(job_id: int, done: int, total: int) -> None:
    from django.core.cache import cache

    # Progress is a nicety: a cache outage must not stop the import (the lease is in the row).
    with contextlib.suppress(Exception):
        cache.set(progress_key(job_id), (done, total), 3600)


def run_job(job_id: int) -> None:
    """Run one queued import: claimed with a conditional UPDATE (a job runs once; a deleted
    or expired one is skipped), its lease renewed with each progress step. The import and the
    job's end state commit together, so a worker killed at any point leaves either the whole
    import and ``done``, or nothing and a lease that :func:`pmo.jobs.expire_stale` ends."""
    from django.utils import timezone

    from actionplan.models import ImportJob

    if not jobs.claim(ImportJob, job_id):
        return  # deleted, or another worker has it, or it expired while queued
    job = ImportJob.objects.select_related("organization", "programme", "user").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        _cache_progress(job_id, done, total)
        if not jobs.renew(ImportJob, job_id):
            raise LeaseLost

    try:
        with transaction.atomic():
            # Renewing first locks the job row until the commit: the expiry (SKIP LOCKED) can
            # then never fail a live worker, however long a step between renewals takes.
            if not jobs.renew(ImportJob, job_id):
                raise LeaseLost
            try:
                result = import_plan(
                    job.user, job.organization, job.programme, bytes(job.upload), progress=progress
                )
            except UploadRefused as refused:
                result = ImportResult(errors=[])
                errors = [{"row": "", "column": "", "title": "", "message": str(refused)}]
            else:
                errors = [error.as_dict() for error in result.errors]
            rows = max(result.rows, 1)
            if not jobs.finish(
                ImportJob,
                job_id,
                jobs.FAILED if errors else jobs.DONE,
                errors=errors,
                total=rows,
                done=rows,
                changed=result.changed,
                marked=result.marked,
                finished_at=timezone.now(),
            ):
                raise LeaseLost
    except LeaseLost:
        return  # expired meanwhile: the import rolled back, the person retries
    except Exception:
        jobs.fail(ImportJob, job_id)
        raise
    finally:
        _cache_delete(job_id)


def _cache_delete(job_id: int) -> None:
    from django.core.cache import cache

    with contextlib.suppress(Exception):
        cache.delete(progress_key(job_id))
