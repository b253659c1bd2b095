"""Completion items (完了時の入力項目) in the plan workbook of :mod:`actionplan.excel`.

The items' columns follow the fixed columns, one per
:class:`~actionplan.models.CompletionItem` of the programme, in plan order (work item, task,
item). One column per item rather than one per label: an item belongs to one task, so its
column is editable (unlocked, light fill) only on that task's rows and locked and grey on the
others, and each column carries the validation of its own kind. The title is
「完了時: 窓口の設置日」; when two tasks share a label, each title names its task too
(「完了時: 実施日（E. 研修実施）」).

The hidden ``_meta`` sheet records the item behind each column (letter, item pk, title), so an
upload is read by item, never by header text alone, and a sheet whose columns no longer match
the programme's items is refused. A file downloaded before these columns existed has neither
the columns nor the records: it is read as before and leaves the answers as they are.

Answers are stored as the plan page stores them (dates ISO, numbers as text, yes/no as
``yes``/``no``). A cell that means the same as the stored answer (3 and "3.0") keeps the stored
text, so a sheet uploaded unchanged changes nothing. A blank cell removes its answer. Whether a
done task has every required answer is judged by :func:`actionplan.rules.validate`; this
module checks only that each filled cell can be an answer of its kind.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from actionplan import rules
from actionplan.models import CompletionItem, PlanEntry, Programme
from pmo import xlsx
from pmo.sheets import cell_int, cell_text

Kind = CompletionItem.Kind
TITLE = "完了時: "
META_KEY = "completion"  # a _meta row: META_KEY, column letter, item pk, column title
YES_NO = {"yes": "はい", "no": "いいえ"}
HEADER_FILL = PatternFill("solid", fgColor="DDE6F5")  # as the other editable columns' titles
ANSWER_FILL = PatternFill("solid", fgColor="FFF8DC")  # light: answer here
NO_ANSWER_FILL = PatternFill("solid", fgColor="D9D9D9")  # grey: not this row's item
NUMBER_LIMIT = "999999999999999"  # Excel keeps 15 significant digits
MAX_TEXT = 2000

CHANGED = (
    "ダウンロードした後に完了時の入力項目が変わりました。"
    "最新のファイルをダウンロードして入力し直してください。"
)
MOVED = (
    "完了時の入力項目の列が変わっています。"
    "列を追加・削除・移動せず、ダウンロードしたファイルを使ってください。"
)


@dataclass(frozen=True)
class ItemColumn:
    """The column of one completion item in the plan sheet."""

    number: int
    item: CompletionItem
    title: str

    @property
    def key(self) -> str:
        return f"c_{self.item.pk}"  # the key :func:`actionplan.rules.validate` reports it under

    @property
    def letter(self) -> str:
        return get_column_letter(self.number)


def columns_for(programme: Programme, *, first: int) -> tuple[ItemColumn, ...]:
    """One column per completion item of the programme, from column ``first`` (one query)."""
    items = list(
        CompletionItem.objects.filter(task__work_item__programme=programme)
        .select_related("task__work_item")
        .order_by(
            "task__work_item__order",
            "task__work_item__code",
            "task__order",
            "task_id",
            "order",
            "pk",
        )
    )
    shared = Counter(item.label for item in items)
    return tuple(
        ItemColumn(first + offset, item, _title(item, shared=shared[item.label] > 1))
        for offset, item in enumerate(items)
    )


def _title(item: CompletionItem, *, shared: bool) -> str:
    if shared:
        return f"{TITLE}{item.label}（{item.task.work_item.code}. {item.task.name}）"
    return f"{TITLE}{item.label}"


# --- Export ---------------------------------------------------------------------------------


def write_header(sheet, columns: Sequence[ItemColumn]) -> None:
    for column in columns:
        cell = sheet.cell(row=1, column=column.number)
        xlsx.write(cell, column.title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[column.letter].width = 36 if column.item.kind == Kind.TEXT else 18
    if columns:
        sheet.row_dimensions[1].height = 45  # room for a long title on two lines


def write_answers(
    sheet, number: int, entry: PlanEntry, columns: Sequence[ItemColumn]
) -> list[ItemColumn]:
    """Fill row ``number``'s completion cells; returns the columns this row answers."""
    answers = entry.completion or {}
    own = []
    for column in columns:
        cell = sheet.cell(row=number, column=column.number)
        if column.item.task_id != entry.task_id:
            cell.fill = NO_ANSWER_FILL  # and locked, as every cell of the protected sheet
            continue
        own.append(column)
        cell.protection = Protection(locked=False)
        cell.fill = ANSWER_FILL
        if column.item.kind == Kind.DATE:
            cell.number_format = "yyyy/mm/dd"  # also for a date typed in later
        if column.item.kind == Kind.TEXT:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        xlsx.write(cell, shown(column.item, answers.get(str(column.item.pk))))
    return own


def shown(item: CompletionItem, answer: Any) -> Any:
    """A stored answer as its cell shows it; an answer its kind cannot read stays text."""
    if answer in (None, ""):
        return None
    if item.kind == Kind.DATE:
        try:
            return dt.date.fromisoformat(str(answer))
        except ValueError:
            pass
    elif item.kind == Kind.NUMBER:
        number = _decimal(answer)
        if number is not None:
            return number
    elif item.kind == Kind.YES_NO and answer in YES_NO:
        return YES_NO[answer]
    return str(answer)


def add_validations(sheet, columns: Iterable[ItemColumn], rows: Mapping[int, list[int]]) -> None:
    """Each item's check on the rows that answer it (``rows``: item pk -> row numbers)."""
    for column in columns:
        if not rows.get(column.item.pk):
            continue
        validation = validation_for(column.item)
        for first, last in _runs(rows[column.item.pk]):
            validation.add(f"{column.letter}{first}:{column.letter}{last}")
        sheet.add_data_validation(validation)


def validation_for(item: CompletionItem) -> DataValidation:
    """The drop-down or check of one item's cells, with a note on what to enter."""
    label = item.label
    if item.kind == Kind.DATE:
        # Any real date, as on the plan page: a desk may have opened before the programme.
        rule = {"type": "date", "operator": "greaterThan", "formula1": "DATE(1900,1,1)"}
        hint = error = f"「{label}」は日付（2015/07/09 の形）で入力してください。"
    elif item.kind == Kind.NUMBER:
        rule = {"type": "decimal", "operator": "between"}
        rule |= {"formula1": f"-{NUMBER_LIMIT}", "formula2": NUMBER_LIMIT}
        hint = error = f"「{label}」は数値で入力してください。"
    elif item.kind == Kind.YES_NO:
        rule = {"type": "list", "formula1": '"はい,いいえ"'}
        hint = error = f"「{label}」は「はい」か「いいえ」を選んでください。"
    elif item.kind == Kind.CHOICE:
        rule, hint = _choice_rule(item.choice_list)
        error = f"「{label}」は一覧から選んでください。"
    else:
        rule = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(MAX_TEXT)}
        hint = error = f"{MAX_TEXT:,}文字以内で入力してください。"
    when = "必須" if item.required else "任意"
    return DataValidation(
        **rule,
        allow_blank=True,
        showErrorMessage=bool(rule),
        showInputMessage=True,
        errorTitle=_fit(label, 32),
        error=_fit(error, 225),
        promptTitle=_fit(label, 32),
        prompt=_fit(f"「{item.task.name}」を完了にするときの{when}項目です。{hint}", 255),
    )


def _choice_rule(choices: list[str]) -> tuple[dict[str, Any], str]:
    """A drop-down of the choices or, when a list formula cannot hold them (255 characters at
    most, no commas or quotes inside), no list and the choices in the note instead."""
    listed = ",".join(choices)
    if choices and len(listed) <= 255 and not any("," in c or '"' in c for c in choices):
        return {"type": "list", "formula1": f'"{listed}"'}, "一覧から選んでください。"
    return {}, "選択肢が多いため一覧はありません。次のいずれかを入力してください: " + "／".join(
        choices
    )


def _fit(text: str, limit: int) -> str:
    """Excel refuses longer validation titles (32 characters), errors (225) and notes (255)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _runs(numbers: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, last) runs: [2, 3, 4, 7] -> [(2, 4), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for number in numbers:
        if runs and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def meta_rows(columns: Iterable[ItemColumn]) -> list[list[Any]]:
    return [[META_KEY, column.letter, column.item.pk, column.title] for column in columns]


# --- Import ---------------------------------------------------------------------------------


def sheet_columns(
    programme: Programme,
    recorded: Sequence[Sequence[Any]],
    header: Sequence[Any],
    *,
    first: int,
) -> tuple[ItemColumn, ...]:
    """The item columns of an uploaded sheet, from the ``_meta`` rows ``recorded`` there
    (letter, item pk, title), checked against the programme's items and the sheet's header
    row. Raises :class:`pmo.xlsx.SheetError` when they do not match (one query)."""
    expected = columns_for(programme, first=first)
    if not recorded:
        if any(not _blank(value) for value in header[first - 1 :]):
            raise xlsx.SheetError(MOVED)  # columns no record explains
        return ()  # downloaded before the item columns: answers are left as they are
    if [(c.letter, c.item.pk) for c in expected] != [(r[0], cell_int(r[1])) for r in recorded]:
        raise xlsx.SheetError(CHANGED)
    titles = [row[2] for row in recorded]
    if list(header[first - 1 : first - 1 + len(titles)]) != titles:
        raise xlsx.SheetError(MOVED)
    # The sheet's own titles name the columns in its error list, even if a label changed since.
    return tuple(
        replace(column, title=str(title)) for column, title in zip(expected, titles, strict=True)
    )


def read_answers(
    entry: PlanEntry, cells: Iterable[tuple[ItemColumn, Any]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The entry's answers with the row's cells laid over them, and the cells' problems by
    column key. Uses the entry's prefetched completion items."""
    own = {item.pk for item in entry.task.completion_items.all()}
    answers = dict(entry.completion or {})
    problems: dict[str, str] = {}
    for column, value in cells:
        key, stored = str(column.item.pk), answers.get(str(column.item.pk))
        if column.item.pk not in own:
            if not _blank(value):
                problems[column.key] = (
                    f"このタスクには「{column.item.label}」の項目はありません。空欄にしてください。"
                )
        elif _blank(value):
            if stored not in (None, ""):
                del answers[key]
        elif value != stored:  # exactly as stored (even text its kind would not take) stays
            answer, problem = parse(column.item, value)
            if problem:
                problems[column.key] = problem
            elif not _same(column.item, stored, answer):
                answers[key] = answer
    return answers, problems


def parse(item: CompletionItem, value: Any) -> tuple[str, str]:
    """A filled cell as a stored answer, or why it cannot be one: ``(answer, problem)``."""
    label = item.label
    if item.kind == Kind.DATE:
        day = _date(value)
        if day is None:
            return "", f"「{label}」は日付（2015/07/09 の形）で入力してください。"
        return day.isoformat(), ""
    if item.kind == Kind.NUMBER:
        number = _decimal(value)
        if number is None:
            return "", f"「{label}」は数値で入力してください。"
        return str(number), ""
    text = cell_text(value)
    if item.kind == Kind.YES_NO:
        text = {shown_as: stored for stored, shown_as in YES_NO.items()}.get(text, text)
    elif item.kind == Kind.TEXT and len(text) > MAX_TEXT:
        return "", f"「{label}」は{MAX_TEXT:,}文字以内で入力してください。"
    question = rules.Question(
        key=str(item.pk),
        label=label,
        kind=item.kind,
        required=False,
        choices=tuple(item.choice_list),
    )
    return text, rules.answer_problem(question, text)


def _same(item: CompletionItem, stored: Any, answer: str) -> bool:
    """Does ``answer`` mean what ``stored`` does? (Then the stored text is kept.)"""
    if stored in (None, ""):
        return False
    if str(stored) == answer:
        return True
    before = _decimal(stored) if item.kind == Kind.NUMBER else None
    return before is not None and before == Decimal(answer)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None  # a bare number is not read as Excel's day count
    text = unicodedata.normalize("NFKC", value).strip()
    for pattern in ("%Y/%m/%d", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _decimal(value: Any) -> Decimal | None:
    """A finite number from a cell or a stored answer (full-width digits and 1,234 read)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)  # 0.1 stays 0.1, not its binary expansion
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
