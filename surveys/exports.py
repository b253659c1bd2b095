"""The results of a survey as one workbook (one row per organisation, one column per
question; each table question on a sheet of its own) and as CSV.

Large surveys (all 1,788 organisations) are built by a worker (:class:`ResultsJob`,
:func:`run_job`) with progress. The rows are read in chunks of :data:`CHUNK` responses, each
with its answers (two queries a chunk), and written to a write-only workbook, so memory stays
flat however many organisations answered.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from pmo import jobs, xlsx
from pmo import questions as kinds
from surveys import results
from surveys.models import Question, ResponseStatus, ResultsJob, Survey

CHUNK = 500


class LeaseLost(Exception):
    """The job's lease expired while it ran: stop, write nothing."""


def _cell_value(question_or_spec: kinds.Spec, value: Any) -> Any:
    if value is None:
        return None
    kind = question_or_spec.kind
    if kind == kinds.Kind.NUMBER:
        return Decimal(value)
    if kind == kinds.Kind.DATE:
        return dt.date.fromisoformat(value)
    return kinds.display(question_or_spec, value)


def _heading() -> list[str]:
    return [_("団体コード"), _("都道府県"), _("団体名"), _("状態"), _("提出日時"), _("提出者")]


def rows(responses, progress: Callable[[int], None] | None = None, as_of=None):
    """(response, submission or None) for each response in code order, in chunks of
    :data:`CHUNK` (two queries a chunk): the answers it last submitted, by the end of
    ``as_of`` when given (a draft saved since is not in the results)."""
    ids = list(responses.order_by("organization__code").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found = (
            responses.model.objects.filter(pk__in=chunk)
            .select_related("organization__prefecture", "submitted_by")
            .order_by("organization__code")
        )
        submitted = results.submissions(chunk, as_of)
        for response in found:
            yield response, submitted.get(response.pk)
        if progress:
            progress(int(100 * min(start + CHUNK, len(ids)) / max(len(ids), 1)))


def _facts(response, submission: results.Submission | None, *, as_of=None) -> list[Any]:
    """Code, prefecture, name, state, submitted at and by: as the results show it (with
    ``as_of``, the submission of that day, never a later one)."""
    org = response.organization
    if as_of is not None:
        state = ResponseStatus.SUBMITTED.label if submission else ResponseStatus.NOT_STARTED.label
        at = submission.submitted_at if submission else None
        by = submission.submitted_by if submission else ""
    else:
        state = response.get_status_display()
        at = response.submitted_at
        by = response.submitted_by.display_name if response.submitted_by else ""
    at = at and timezone.localtime(at)
    return [
        org.code,
        org.prefecture.name if org.prefecture_id else org.name,
        org.name,
        str(state),
        at.strftime("%Y/%m/%d %H:%M") if at else "",
        by,
    ]


def _append(sheet, values: list[Any]) -> None:
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet)
        xlsx.write(cell, value)
        if isinstance(value, dt.date):
            cell.number_format = "yyyy/mm/dd"
        cells.append(cell)
    sheet.append(cells)


def build_workbook(survey: Survey, responses, progress=None) -> bytes:
    questions = list(survey.questions.all())
    plain = [q for q in questions if q.kind != kinds.Kind.TABLE]
    tables = [q for q in questions if q.kind == kinds.Kind.TABLE]
    book = Workbook(write_only=True)
    main = book.create_sheet(_("回答"))
    _append(main, _heading() + [q.text for q in plain])
    table_sheets = {}
    for number, question in enumerate(tables, start=1):
        sheet = book.create_sheet(f"{_('表')}{number}")
        _append(
            sheet, [_("団体コード"), _("団体名"), _("行"), *(c["label"] for c in question.columns)]
        )
        table_sheets[question.pk] = sheet
    specs = {q.pk: q.spec() for q in questions}
    for response, submission in rows(responses, progress):
        values = submission.values if submission else {}
        facts = _facts(response, submission)
        _append(main, facts + [_cell_value(specs[q.pk], values.get(q.pk)) for q in plain])
        for question in tables:
            spec = specs[question.pk]
            for index, row in enumerate(values.get(question.pk) or [], start=1):
                cells = [
                    _cell_value(column, cell)
                    for column, cell in zip(spec.columns, row, strict=False)
                ]
                _append(table_sheets[question.pk], [facts[0], facts[2], index, *cells])
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def csv_lines(questions: list[Question], responses, as_of=None) -> Iterator[str]:
    """The answers sheet as CSV, line by line as it is sent (a BOM first, for Excel): one row
    per response of ``responses``, one column per question (a table question as its row
    count), the values submitted by the end of ``as_of`` when given."""
    stream = io.StringIO()
    writer = csv.writer(stream)

    def line(values: list[Any]) -> str:
        stream.seek(0)
        stream.truncate()
        writer.writerow([xlsx.csv_safe(value) for value in values])
        return stream.getvalue()

    yield "\ufeff" + line(_heading() + [q.text for q in questions])
    specs = [(q.pk, q.spec()) for q in questions]
    for response, submission in rows(responses, as_of=as_of):
        values = submission.values if submission else {}
        cells = [kinds.display(spec, values.get(pk)) for pk, spec in specs]
        yield line(_facts(response, submission, as_of=as_of) + cells)


def build_csv(survey: Survey, responses) -> bytes:
    """The whole CSV at once (for tests and scripts; the view streams :func:`csv_lines`)."""
    return "".join(csv_lines(list(survey.questions.all()), responses)).encode()


def filename(survey: Survey, extension: str) -> str:
    return f"survey-{survey.pk}-{timezone.localdate():%Y%m%d}.{extension}"


def run_job(job_id: int) -> None:
    """Build one queued results workbook: claimed once (a deleted or expired job is skipped),
    its lease renewed with each chunk, ended only while still ours (:mod:`pmo.jobs`)."""
    from accounts import permissions

    if not jobs.claim(ResultsJob, job_id):
        return
    jobs.renew(ResultsJob, job_id, percent=1)
    job = ResultsJob.objects.select_related("user", "survey").get(pk=job_id)

    def progress(percent: int) -> None:
        if not jobs.renew(ResultsJob, job_id, percent=max(1, min(percent, 99))):
            raise LeaseLost

    responses = permissions.visible(job.user, job.survey.responses.all(), permissions.TRACK_SURVEY)
    try:
        data = build_workbook(job.survey, responses, progress)
    except LeaseLost:
        return
    except Exception:
        jobs.fail(ResultsJob, job_id)
        raise
    jobs.finish(ResultsJob, job_id, jobs.DONE, percent=100, result=data)
