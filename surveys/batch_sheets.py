"""The prefecture's one workbook for all its municipalities (経由照会): one row per
municipality, one column per question (table questions are answered in each municipality's
own workbook or in the browser). Keys (the survey, the prefecture) on a very hidden sheet,
the code column locked. Uploaded back through the upload safety layer, all rows or none:
every filled row is checked first, then each is saved and submitted for its municipality by
:func:`surveys.answering.save_answers`; rows left blank change nothing, and so does the row of
a municipality that has submitted, left as the template showed it (its answer stays its own:
no new revision, no submitter replaced by the prefecture's person). Errors come back
marked in the same workbook.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl.styles import Font, Protection

from pmo import ooxml, xlsx
from pmo import questions as kinds
from surveys import answering, sheets
from surveys.models import ResponseStatus, Survey

FIRST_ROW = 3  # row 1 the question ids (hidden), row 2 the header


def _questions(survey: Survey):
    return [q for q in survey.questions.all() if q.kind != kinds.Kind.TABLE]


def template(
    survey: Survey, prefecture, responses, *, values: dict | None = None, errors: dict | None = None
) -> bytes:
    """``values``/``errors``: by organisation code then question id (a refused upload)."""
    questions = _questions(survey)
    book, sheet = xlsx.new_book(_("回答"))
    for number, question in enumerate(questions, start=3):
        sheet.cell(row=1, column=number, value=question.pk)
        header = sheet.cell(row=2, column=number)
        sheets._text(header, question.text)
        header.font = Font(bold=True)
    sheet.row_dimensions[1].hidden = True
    sheets._text(sheet.cell(row=2, column=1), _("団体コード"))
    sheets._text(sheet.cell(row=2, column=2), _("団体名"))
    stored = answering.answers_of(responses) if values is None else {}
    errors = errors or {}
    for row, response in enumerate(responses, start=FIRST_ROW):
        code = response.organization.code
        sheets._text(sheet.cell(row=row, column=1), code)
        sheets._text(sheet.cell(row=row, column=2), response.organization.name)
        for number, question in enumerate(questions, start=3):
            cell = sheet.cell(row=row, column=number)
            if values is not None:
                value = values.get(code, {}).get(question.pk)
            else:
                value = sheets._cell(stored.get(response.pk, {}).get(question.pk), question.spec())
            sheets._text(cell, value)
            cell.protection = Protection(locked=False)
            cell.fill = sheets.INPUT_FILL
            if message := errors.get(code, {}).get(question.pk):
                cell.fill = sheets.ERROR_FILL
                cell.comment = sheets.Comment(message, "PMO")
    sheet.protection.sheet = True
    meta = book.create_sheet(sheets.META_SHEET)
    meta.append(["survey", survey.pk])
    meta.append(["prefecture", prefecture.code])
    meta.sheet_state = "veryHidden"
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


class BatchRefused(Exception):
    """Errors by organisation code then question id, and the values as typed."""

    def __init__(self, errors: dict, values: dict) -> None:
        super().__init__(errors)
        self.errors, self.values = errors, values


def _read(survey: Survey, prefecture, upload) -> dict[str, dict[int, Any]]:
    try:
        sheets.validate_upload(upload)
    except ValidationError as error:
        raise sheets.TemplateRefused(" ".join(error.messages)) from None
    upload.seek(0)
    try:
        book = xlsx.read(upload.read(), upload.name, data_only=True)
    except ooxml.SheetError as error:
        raise sheets.TemplateRefused(str(error)) from None
    try:
        if sheets.META_SHEET not in book.sheetnames:
            raise sheets.TemplateRefused(_("この照会の取りまとめ用の様式ではありません。"))
        keys = {r[0]: r[1] for r in xlsx.rows(book[sheets.META_SHEET], values_only=True) if r}
        if str(keys.get("survey")) != str(survey.pk):
            raise sheets.TemplateRefused(
                _("別の照会の様式です。この照会の様式をダウンロードしてください。")
            )
        if str(keys.get("prefecture")) != prefecture.code:
            raise sheets.TemplateRefused(_("別の都道府県の様式です。"))
        found = list(xlsx.rows(book[book.sheetnames[0]], values_only=True))
    finally:
        book.close()
    ids = [sheets._int(v) for v in (found[0] if found else ())]
    raw: dict[str, dict[int, Any]] = {}
    for row in found[FIRST_ROW - 1 :]:
        if not row or not row[0]:
            continue
        raw[str(row[0])] = {pk: value for pk, value in zip(ids, row, strict=False) if pk}
    return raw


def _raw_value(question, value):
    if question.kind == kinds.Kind.MULTIPLE:
        return [part for part in re.split(r"[,、]", str(value or "")) if part]
    return value


@transaction.atomic
def import_batch(survey: Survey, prefecture, responses, upload, *, actor, request=None) -> int:
    """All filled rows saved and submitted, or none (:class:`BatchRefused`). Returns how
    many municipalities' answers were submitted."""
    raw = _read(survey, prefecture, upload)
    by_code = {r.organization.code: r for r in responses}
    questions = {q.pk: q for q in survey.questions.all()}
    specs = answering.questions_for(survey)
    errors: dict[str, dict[int, str]] = {}
    todo = []
    for code, typed in raw.items():
        response = by_code.get(code)
        if response is None:
            raise sheets.TemplateRefused(
                _("団体コード %(code)s は管内の回答団体ではありません。") % {"code": code}
            )
        if all(kinds.is_empty(v) for v in typed.values()):
            continue  # a row left blank changes nothing
        answers = {pk: _raw_value(questions[pk], v) for pk, v in typed.items() if pk in questions}
        # table questions keep what the municipality entered
        current = answering.current_values(response)
        for pk, value in current.items():
            if questions[pk].kind == kinds.Kind.TABLE:
                answers[pk] = value
        values, found = kinds.clean_all(specs, answers, submitting=True)
        if (
            not found
            and response.status == ResponseStatus.SUBMITTED
            and current == {pk: value for pk, value in values.items() if value is not None}
        ):
            continue  # its own submission, as the template showed it: not re-sent as ours
        try:
            answering.check_answerable(response)
        except ValidationError as error:
            found[next(iter(answers), 0)] = " ".join(error.messages)
        if found:
            errors[code] = found
        todo.append((response, answers))
    if errors:
        raise BatchRefused(errors, raw)
    for response, answers in todo:
        answering.save_answers(response, answers, actor=actor, request=request, submit=True)
    return len(todo)
