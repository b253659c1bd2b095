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

Each kind is the survey desk's (:mod:`pmo.questions`, one implementation): a cell is read by
:func:`actionplan.rules.stored_answer` and stored as the plan page stores it (dates ISO,
numbers as text, yes/no as ``yes``/``no``, a multiple choice as a list, typed 「、」-separated in
its cell). A cell that means the same as the stored answer (3 and "3.0") keeps the stored
value, so a sheet uploaded unchanged changes nothing. A blank cell removes its answer. Whether a
done task has every required answer is judged by :func:`actionplan.rules.validate`; this
module checks only that each filled cell can be an answer of its kind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from actionplan import rules
from actionplan.models import CompletionItem, PlanEntry, Programme
from pmo import ooxml, questions, xlsx
from pmo.questions import AnswerError, Kind
from pmo.sheets import cell_int, cell_text

TITLE = "完了時: "
# The title of an item whose label another task's item shares: TITLE, label, code, task.
SHARED_TITLE = "{title}{label}（{code}. {task}）"
# The drop-down of a yes/no item: the cells questions.parse_yes_no reads.
YES_NO_LIST = '"はい,いいえ"'
META_KEY = "completion"  # a _meta row: META_KEY, column letter, item pk, column title
WIDE = (Kind.LONG_TEXT, Kind.SHORT_TEXT, Kind.MULTIPLE)  # kinds of a wide, wrapping column
HEADER_FILL = PatternFill("solid", fgColor="DDE6F5")  # as the other editable columns' titles
ANSWER_FILL = PatternFill("solid", fgColor="FFF8DC")  # light: answer here
NO_ANSWER_FILL = PatternFill("solid", fgColor="D9D9D9")  # grey: not this row's item
NUMBER_LIMIT = "999999999999999"  # Excel keeps 15 significant digits

CHANGED = gettext_lazy(
    "ダウンロードした後に完了時の入力項目が変わりました。"
    "最新のファイルをダウンロードして入力し直してください。"
)
MOVED = gettext_lazy(
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
        return SHARED_TITLE.format(
            title=TITLE, label=item.label, code=item.task.work_item.code, task=item.task.name
        )
    return f"{TITLE}{item.label}"


# --- Export ---------------------------------------------------------------------------------


def write_header(sheet, columns: Sequence[ItemColumn]) -> None:
    for column in columns:
        cell = sheet.cell(row=1, column=column.number)
        xlsx.write(cell, column.title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        wide = column.item.question().spec.kind in WIDE
        sheet.column_dimensions[column.letter].width = 36 if wide else 18
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
        kind = column.item.question().spec.kind
        if kind == Kind.DATE:
            cell.number_format = "yyyy/mm/dd"  # also for a date typed in later
        if kind in WIDE:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        xlsx.write(cell, shown(column.item, answers.get(str(column.item.pk))))
    return own


def shown(item: CompletionItem, answer: Any) -> Any:
    """A stored answer as its cell shows it (a date, a number, はい/いいえ, choices joined by
    「、」); an answer its kind cannot read stays text."""
    if questions.is_empty(answer):
        return None
    spec = item.question().spec
    try:
        if spec.kind == Kind.DATE:
            return questions.parse_date(answer)
        if spec.kind == Kind.NUMBER:
            return questions.parse_number(answer)
    except AnswerError:
        return str(answer)
    return questions.display(spec, answer)


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
    label, spec = item.label, item.question().spec
    rule: dict[str, Any]
    if spec.kind == Kind.DATE:
        # Any real date, as on the plan page: a desk may have opened before the programme.
        rule = {"type": "date", "operator": "greaterThan", "formula1": "DATE(1900,1,1)"}
        hint = error = _("「%(label)s」は日付（2015/07/09 の形）で入力してください。") % {
            "label": label
        }
    elif spec.kind == Kind.NUMBER:
        rule = _number_rule(spec)
        hint = error = _("「%(label)s」は数値で入力してください。") % {"label": label}
        if within := questions.range_text(spec):
            hint = error = rules.labelled(item.question(), within)
    elif spec.kind == Kind.YES_NO:
        rule = {"type": "list", "formula1": YES_NO_LIST}
        hint = error = _("「%(label)s」は「はい」か「いいえ」を選んでください。") % {"label": label}
    elif spec.kind == Kind.SINGLE:
        rule, hint = _choice_rule(list(spec.choices))
        error = _("「%(label)s」は一覧から選んでください。") % {"label": label}
    elif spec.kind == Kind.MULTIPLE:
        rule, error = {}, ""  # no drop-down picks several: the choices are in the note
        hint = _("次から選び、「、」で区切って入力してください: %(choices)s") % {
            "choices": pgettext("choices separator", "／").join(spec.choices)
        }
    else:
        short = spec.kind == Kind.SHORT_TEXT
        limit = questions.SHORT_TEXT_MAX if short else questions.LONG_TEXT_MAX
        rule = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(limit)}
        hint = error = _("%(limit)s文字以内で入力してください。") % {"limit": f"{limit:,}"}
    if item.required:
        note = _("「%(task)s」を完了にするときの必須項目です。%(hint)s")
    else:
        note = _("「%(task)s」を完了にするときの任意項目です。%(hint)s")
    return DataValidation(
        **rule,
        allow_blank=True,
        showErrorMessage=bool(rule),
        showInputMessage=True,
        errorTitle=_fit(label, 32),
        error=_fit(error, 225),
        promptTitle=_fit(label, 32),
        prompt=_fit(note % {"task": item.task.name, "hint": hint}, 255),
    )


def _number_rule(spec: questions.Spec) -> dict[str, Any]:
    """Within the item's range; Excel's 15 digits on a side it leaves open."""
    low = f"-{NUMBER_LIMIT}" if spec.min_value is None else str(spec.min_value)
    high = NUMBER_LIMIT if spec.max_value is None else str(spec.max_value)
    return {"type": "decimal", "operator": "between", "formula1": low, "formula2": high}


def _choice_rule(choices: list[str]) -> tuple[dict[str, Any], str]:
    """A drop-down of the choices or, when a list formula cannot hold them (255 characters at
    most, no commas or quotes inside), no list and the choices in the note instead."""
    listed = ",".join(choices)
    if choices and len(listed) <= 255 and not any("," in c or '"' in c for c in choices):
        return {"type": "list", "formula1": f'"{listed}"'}, _("一覧から選んでください。")
    return {}, _(
        "選択肢が多いため一覧はありません。次のいずれかを入力してください: %(choices)s"
    ) % {"choices": pgettext("choices separator", "／").join(choices)}


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
    row. Raises :class:`pmo.ooxml.SheetError` when they do not match (one query)."""
    expected = columns_for(programme, first=first)
    if not recorded:
        if any(not _blank(value) for value in header[first - 1 :]):
            raise ooxml.SheetError(str(MOVED))  # columns no record explains
        return ()  # downloaded before the item columns: answers are left as they are
    if [(c.letter, c.item.pk) for c in expected] != [(r[0], cell_int(r[1])) for r in recorded]:
        raise ooxml.SheetError(str(CHANGED))
    titles = [row[2] for row in recorded]
    if list(header[first - 1 : first - 1 + len(titles)]) != titles:
        raise ooxml.SheetError(str(MOVED))
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
                problems[column.key] = _(
                    "このタスクには「%(label)s」の項目はありません。空欄にしてください。"
                ) % {"label": column.item.label}
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


def parse(item: CompletionItem, value: Any) -> tuple[Any, str]:
    """A filled cell as a stored answer, or why it cannot be one: ``(answer, problem)``.

    A date or number cell is read as Excel holds it (a date, a float: 0.1 stays 0.1), any
    other as its text (12.0 typed in a text column is "12"); a multiple choice is split at
    「、」 or commas. A bare number in a date column is not read as Excel's day count."""
    question = item.question(required=False)
    kind = question.spec.kind
    raw = value if kind in (Kind.DATE, Kind.NUMBER) else cell_text(value)
    if kind == Kind.MULTIPLE:
        raw = questions.split_choices(raw)
    try:
        return rules.stored_answer(question, raw), ""
    except AnswerError as error:
        return "", rules.labelled(question, error)


def _same(item: CompletionItem, stored: Any, answer: Any) -> bool:
    """Does ``answer`` mean what ``stored`` does (3 and "3.0", はい and "yes")? Then the stored
    value is kept."""
    if questions.is_empty(stored):
        return False
    if stored == answer:
        return True
    question = item.question(required=False)
    try:
        if question.spec.kind == Kind.NUMBER:
            return questions.parse_number(stored) == questions.parse_number(answer)
        return rules.stored_answer(question, stored) == answer
    except AnswerError:
        return False  # a stored answer its kind cannot read is replaced by a good one


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
