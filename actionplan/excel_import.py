"""Reading an uploaded plan workbook into the plan: every row checked (keys, versions,
formulas, dates, the plan's rules, completion answers), then every changed row written in one
transaction, or nothing; on errors, the same workbook handed back with each bad cell marked
(:func:`mark`). The workbook's layout and the upload checks are :mod:`actionplan.excel`."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_lazy
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from actionplan import excel_items, rules, services
from actionplan.excel import (
    COLUMNS,
    DATE_COLUMNS,
    ERROR_SHEET,
    INDEX,
    KEY_COLUMNS,
    META_SHEET,
    SHEET,
    STATUS_LABELS,
    TEXT_COLUMNS,
    UploadRefused,
    escape,
    key_values,
    open_checked,
    unescape,
)
from actionplan.excel_items import ItemColumn
from actionplan.models import PlanEntry, Programme
from orgs.models import Organization
from pmo import xlsx
from pmo.sheets import cell_int

OLD_FILE = gettext_lazy(
    "（このファイルには完了時の入力項目の列がありません。最新のファイルをダウンロードしてください）"
)


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
    book, total = open_checked(data, "upload.xlsx")  # every check again: jobs read stored uploads
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
    keys = key_values(entry)
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
