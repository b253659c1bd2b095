"""The offline answer: an organisation's own .xlsx template of a survey, and reading it back.

The template carries its keys (the survey and the organisation) on a very hidden sheet and
each question's id in a hidden column; the sheets are protected but for the answer cells;
choice and yes/no answers have drop-downs. Each table question has a sheet of its own.

An upload goes through the portal's upload safety layer (:func:`pmo.uploads
.validate_upload`, then :func:`pmo.xlsx.read`), is checked against its keys (a workbook of
another survey or another organisation is refused), and is saved by
:func:`surveys.answering.save_answers`: all or nothing. When an answer is wrong the same
template comes back with the typed values, each bad cell filled and explained beside it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from pmo import ooxml, xlsx
from pmo import questions as kinds
from pmo.uploads import validate_upload
from surveys.models import Question, Response

META_SHEET = "keys"
FIRST_ROW = 5  # the answers sheet: rows 1-3 say what it is, row 4 is the header
TABLE_FIRST_ROW = 3
TABLE_ROWS = 50  # blank rows a table sheet offers beyond the current ones
ERROR_FILL = PatternFill("solid", fgColor="FFD7D7")
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")
MAX_LIST = 250  # Excel's limit on a list validation's inline formula is 255 characters


def _text(cell, value: Any) -> None:
    xlsx.write(cell, value)
    if isinstance(value, str):
        cell.data_type = "s"


def _cell(value: Any, spec: kinds.Spec) -> Any:
    """A stored value as a template cell (dates as dates, numbers as numbers)."""
    if value is None:
        return None
    if spec.kind == kinds.Kind.NUMBER and isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    if spec.kind == kinds.Kind.DATE and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    if spec.kind in (kinds.Kind.YES_NO, kinds.Kind.MULTIPLE) and not isinstance(value, str):
        return kinds.display(spec, value)
    return value


def _hint(question: Question) -> str:
    spec = question.spec()
    parts = [str(question.get_kind_display())]
    if spec.unit:
        parts.append(_("単位: %(unit)s") % {"unit": spec.unit})
    if spec.min_value is not None or spec.max_value is not None:
        low = "" if spec.min_value is None else spec.min_value
        high = "" if spec.max_value is None else spec.max_value
        parts.append(_("%(low)s〜%(high)s") % {"low": low, "high": high})
    if spec.kind == kinds.Kind.MULTIPLE:
        parts.append(_("「、」で区切って入力"))
    if spec.kind == kinds.Kind.DATE:
        parts.append("2015/07/09")
    if question.required:
        parts.append(_("必須"))
    return " / ".join(parts)


def _list_validation(sheet, cell: str, choices: list[str]) -> None:
    formula = ",".join(choice.replace('"', "") for choice in choices)
    if len(formula) > MAX_LIST or "," in "".join(choices):
        return  # too long for Excel's inline list: the server still checks the answer
    validation = DataValidation(
        type="list",
        formula1=f'"{formula}"',
        allow_blank=True,
        showErrorMessage=True,
        error=_("一覧から選んでください。"),
    )
    sheet.add_data_validation(validation)
    validation.add(cell)


def template(
    response: Response, *, values: dict | None = None, errors: dict | None = None
) -> bytes:
    """The organisation's template: its current answers, or (``values``/``errors``) what an
    upload carried with each error marked."""
    survey = response.survey
    questions = list(survey.questions.all())
    values = (
        values if values is not None else dict(response.answers.values_list("question_id", "value"))
    )
    errors = errors or {}
    book, sheet = xlsx.new_book(_("回答"))
    _text(sheet.cell(row=1, column=2, value=None), survey.title)
    sheet.cell(row=1, column=2).font = Font(bold=True, size=13)
    _text(sheet.cell(row=2, column=2), response.organization.full_name)
    _text(
        sheet.cell(row=3, column=2),
        _("回答期限: %(date)s　黄色のセルに入力してください。")
        % {"date": survey.closes_on.strftime("%Y/%m/%d")},
    )
    for number, title in enumerate(
        ["id", _("質問"), _("回答の種類"), _("回答"), _("エラー")], start=1
    ):
        sheet.cell(row=FIRST_ROW - 1, column=number, value=title).font = Font(bold=True)
    sheet.column_dimensions["A"].hidden = True
    for letter, width in (("B", 50), ("C", 28), ("D", 36), ("E", 40)):
        sheet.column_dimensions[letter].width = width
    row = FIRST_ROW
    table_number = 0
    for question in questions:
        spec = question.spec()
        if spec.kind == kinds.Kind.TABLE:
            table_number += 1
            name = f"{_('表')}{table_number}"
            _table_sheet(book, name, question, values.get(question.pk), errors.get(question.pk))
            sheet.cell(row=row, column=1, value=question.pk)
            _text(sheet.cell(row=row, column=2), question.text)
            _text(sheet.cell(row=row, column=4), _("シート「%(name)s」に入力") % {"name": name})
        else:
            sheet.cell(row=row, column=1, value=question.pk)
            _text(sheet.cell(row=row, column=2), question.text)
            _text(sheet.cell(row=row, column=3), _hint(question))
            answer = sheet.cell(row=row, column=4)
            _text(answer, _cell(values.get(question.pk), spec))
            if isinstance(answer.value, dt.date):
                answer.number_format = "yyyy/mm/dd"
            answer.protection = Protection(locked=False)
            answer.fill = INPUT_FILL
            if spec.kind == kinds.Kind.SINGLE:
                _list_validation(sheet, answer.coordinate, list(spec.choices))
            elif spec.kind == kinds.Kind.YES_NO:
                _list_validation(sheet, answer.coordinate, [_("はい"), _("いいえ")])
            if question.help_text:
                answer.comment = Comment(question.help_text, "PMO")
        if message := errors.get(question.pk):
            sheet.cell(row=row, column=4).fill = ERROR_FILL
            _text(sheet.cell(row=row, column=5), message)
        sheet.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    meta = book.create_sheet(META_SHEET)
    meta.append(["survey", survey.pk])
    meta.append(["organization", response.organization.code])
    meta.sheet_state = "veryHidden"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _table_sheet(book, name: str, question: Question, rows, error: str | None) -> None:
    spec = question.spec()
    sheet = book.create_sheet(name)
    sheet.cell(row=1, column=1, value=question.pk)
    _text(sheet.cell(row=1, column=2), question.text)
    sheet.column_dimensions["A"].hidden = True
    if error:
        _text(sheet.cell(row=1, column=3), error)
        sheet.cell(row=1, column=3).fill = ERROR_FILL
    for number, column in enumerate(spec.columns, start=2):
        sheet.cell(row=2, column=number, value=column.label).font = Font(bold=True)
    rows = [list(r) for r in (rows or [])]
    for index in range(len(rows) + TABLE_ROWS):
        cells = rows[index] if index < len(rows) else []
        for number, column in enumerate(spec.columns):
            cell = sheet.cell(row=TABLE_FIRST_ROW + index, column=number + 2)
            _text(cell, _cell(cells[number] if number < len(cells) else None, column))
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
    sheet.protection.sheet = True


class TemplateRefused(Exception):
    """The upload is no template of this survey and organisation (or is unreadable)."""


def read(response: Response, upload) -> dict[int, Any]:
    """The answers an uploaded template carries, by question id (no check of the answers
    themselves: that is :func:`surveys.answering.save_answers`'). Raises
    :class:`TemplateRefused` with the Japanese message."""
    try:
        validate_upload(upload)
    except ValidationError as error:
        raise TemplateRefused(" ".join(error.messages)) from None
    if not upload.name.lower().endswith(".xlsx"):
        raise TemplateRefused(_("この照会のExcel様式（.xlsx）をアップロードしてください。"))
    upload.seek(0)
    try:
        book = xlsx.read(upload.read(), upload.name, data_only=True)
    except ooxml.SheetError as error:
        raise TemplateRefused(str(error)) from None
    try:
        return _answers(response, book)
    finally:
        book.close()


def _answers(response: Response, book) -> dict[int, Any]:
    if META_SHEET not in book.sheetnames:
        raise TemplateRefused(
            _("この照会のExcel様式ではありません。様式をダウンロードし直してください。")
        )
    keys = {row[0]: row[1] for row in xlsx.rows(book[META_SHEET], values_only=True) if row}
    if str(keys.get("survey")) != str(response.survey_id):
        raise TemplateRefused(_("別の照会の様式です。この照会の様式をダウンロードしてください。"))
    if str(keys.get("organization")) != response.organization.code:
        raise TemplateRefused(_("別の団体の様式です。自団体の様式をダウンロードしてください。"))
    questions = {q.pk: q for q in response.survey.questions.all()}
    raw: dict[int, Any] = {}
    for row in xlsx.rows(book[book.sheetnames[0]], min_row=FIRST_ROW, max_col=4, values_only=True):
        if not row or row[0] is None:
            continue
        question = questions.get(_int(row[0]) or 0)
        if question is None or question.kind == kinds.Kind.TABLE:
            continue
        value = row[3] if len(row) > 3 else None
        if question.kind == kinds.Kind.MULTIPLE:
            value = [part for part in re.split(r"[,、]", str(value or "")) if part]
        raw[question.pk] = value
    for name in book.sheetnames[1:]:
        if name == META_SHEET:
            continue
        sheet = book[name]
        first = next(iter(xlsx.rows(sheet, max_col=1, values_only=True)), (None,))
        question = questions.get(_int(first[0] if first else None) or 0)
        if question is None or question.kind != kinds.Kind.TABLE:
            continue
        width = len(question.columns) + 1
        raw[question.pk] = [
            list(cells[1:width])
            for cells in xlsx.rows(sheet, min_row=TABLE_FIRST_ROW, max_col=width, values_only=True)
        ]
    return raw


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
