"""Loading FAQs from an editor's .xlsx (the export's columns): every row checked, all or nothing.

Errors are reported by row and column (the sheet's own column names, the same in every
language) with the message in the reader's language; nothing is written unless every row is
good. openpyxl parses the XML through defusedxml (installed), so entity tricks are refused.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

from faq import rules, services
from faq.exports import HEADERS, NO, YES
from faq.models import FAQ, Field, WorkItem
from pmo import ooxml, xlsx
from pmo.sheets import RowError, cell_text

MAX_ROWS = 20_000
# A worker reports its progress (0-100) every so many rows read, and again written.
PROGRESS_EVERY = 500
Progress = Callable[[int], None]
REQUIRED_HEADERS = ("番号", "質問", "回答")
# The columns by name, as the export writes them and the errors name them (data: the sheet's
# own headers, in every language).
(
    NUMBER,
    QUESTION,
    ANSWER,
    WORK_ITEM,
    FIELD,
    TOPIC,
    UPDATED_ON,
    RELATED,
    LINKS,
    PUBLISHED,
) = HEADERS[:10]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ParsedRow:
    row: int
    number: str
    fields: dict
    related: list[str]


WORK_ITEMS = {c: c for c, _l in WorkItem.choices} | {str(label): c for c, label in WorkItem.choices}
FIELDS = {c: c for c, _l in Field.choices} | {str(label): c for c, label in Field.choices}


def _date(value, errors: list, row: int) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value, unquote=True).replace("-", "/")
    try:
        return dt.datetime.strptime(text, "%Y/%m/%d").date()
    except ValueError:
        errors.append(
            RowError(row, UPDATED_ON, gettext("日付は 2015/07/09 の形で入力してください。"))
        )
        return None


def _links(text: str, errors: list, row: int) -> list[dict]:
    links, bad_lines = rules.parse_links(text)
    for _line in bad_lines:
        errors.append(
            RowError(row, LINKS, gettext("「資料名|URL」の形で1行に1件入力してください。"))
        )
    return links


def _parse_row(row: int, values: dict, errors: list) -> ParsedRow:
    number = rules.clean_number(cell_text(values.get(NUMBER), unquote=True))
    if number and not rules.is_number(number):
        errors.append(
            RowError(row, NUMBER, gettext("番号は FAQ-0001 の形で入力してください（新規は空欄）。"))
        )
    question = cell_text(values.get(QUESTION), unquote=True)
    answer = cell_text(values.get(ANSWER), unquote=True)
    if not question:
        errors.append(RowError(row, QUESTION, gettext("入力してください。")))
    elif len(question) > 1000:
        errors.append(RowError(row, QUESTION, gettext("1000文字以内で入力してください。")))
    if not answer:
        errors.append(RowError(row, ANSWER, gettext("入力してください。")))
    work_item = cell_text(values.get(WORK_ITEM), unquote=True)
    if work_item and work_item not in WORK_ITEMS:
        errors.append(RowError(row, WORK_ITEM, gettext("A〜K のいずれかを入力してください。")))
    field_text = cell_text(values.get(FIELD), unquote=True)
    if field_text and field_text not in FIELDS:
        choices = gettext("、").join(str(label) for _c, label in Field.choices)
        message = gettext("%(choices)s のいずれかを入力してください。") % {"choices": choices}
        errors.append(RowError(row, FIELD, message))
    published = cell_text(values.get(PUBLISHED), unquote=True) or YES
    if published not in (YES, NO):
        message = gettext("「%(yes)s」か「%(no)s」を入力してください。") % {"yes": YES, "no": NO}
        errors.append(RowError(row, PUBLISHED, message))
    topic = cell_text(values.get(TOPIC), unquote=True)
    if len(topic) > 100:
        errors.append(RowError(row, TOPIC, gettext("100文字以内で入力してください。")))
    fields = {
        "question": question,
        "answer": answer,
        "work_item": WORK_ITEMS.get(work_item, ""),
        "field": FIELDS.get(field_text, ""),
        "topic": topic[:100],
        "is_published": published != NO,
        "related_documents": _links(cell_text(values.get(LINKS), unquote=True), errors, row),
    }
    if updated_on := _date(values.get(UPDATED_ON), errors, row):
        fields["updated_on"] = updated_on
    related = rules.split_numbers(cell_text(values.get(RELATED), unquote=True))
    return ParsedRow(row, number, fields, related)


def _quiet(percent: int) -> None:
    """No progress to report (an import during the request)."""


def read(upload, *, progress: Progress = _quiet) -> tuple[list[ParsedRow], list[RowError]]:
    """Parse and check every row (reading is the first half of ``progress``)."""
    errors: list[RowError] = []
    try:
        book = xlsx.read_upload(upload, max_rows=MAX_ROWS, data_only=True)
    except ooxml.SheetError as refused:
        return [], [RowError(0, "", str(refused))]
    try:
        return _read_rows(book.worksheets[0], errors, progress)
    except ooxml.SheetError as refused:
        return [], [RowError(0, "", str(refused))]
    finally:
        book.close()


def _read_rows(
    sheet, errors: list[RowError], progress: Progress
) -> tuple[list[ParsedRow], list[RowError]]:
    # At most MAX_ROWS: counted before parsing, and again while reading.
    rows = xlsx.rows(sheet, values_only=True, max_rows=MAX_ROWS)
    header = [cell_text(v, unquote=True) for v in next(rows, ())]
    if missing := [name for name in REQUIRED_HEADERS if name not in header]:
        return [], [RowError(1, name, gettext("見出しがありません。")) for name in missing]
    parsed = []
    total = max(sheet.max_row or 1, 1)  # the counted size (xlsx.read), not the file's claim
    for index, values in enumerate(rows, start=2):
        if index % PROGRESS_EVERY == 0:
            progress(49 * index // total)
        if not any(v not in (None, "") for v in values):
            continue
        named = {
            name: values[i] for i, name in enumerate(header) if name in HEADERS and i < len(values)
        }
        parsed.append(_parse_row(index, named, errors))
    return parsed, errors


def _check_numbers(parsed: list[ParsedRow], errors: list[RowError]) -> None:
    seen: dict[str, int] = {}
    for item in parsed:
        if item.number and item.number in seen:
            errors.append(
                RowError(
                    item.row,
                    NUMBER,
                    gettext("%(row)s行目と番号が重複しています。") % {"row": seen[item.number]},
                )
            )
        seen.setdefault(item.number, item.row)
    known = set(FAQ.objects.values_list("number", flat=True)) | set(seen)
    for item in parsed:
        for number in item.related:
            if number not in known:
                errors.append(
                    RowError(
                        item.row,
                        RELATED,
                        gettext("%(number)s というFAQはありません。") % {"number": number},
                    )
                )


def import_faqs(upload, *, by=None, request=None, progress: Progress = _quiet) -> ImportResult:
    """Validate every row; write all of them in one transaction, or none (``by``: who), with
    the audit event that says how many (``request``: where from, for the trail).

    ``progress(percent)`` is called every :data:`PROGRESS_EVERY` rows read and written; an
    exception it raises (a worker that lost its lease) rolls the whole import back."""
    parsed, errors = read(upload, progress=progress)
    if not errors:
        _check_numbers(parsed, errors)
    if errors:
        return ImportResult(
            errors=sorted(
                errors,
                key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else 99),
            )
        )
    try:
        return _write(parsed, by, request, progress)
    except services.NumberTaken:
        # Another editor numbered a new FAQ at the same moment: nothing was written.
        return ImportResult(errors=[RowError(0, NUMBER, str(NUMBER_RACE))])


NUMBER_RACE = gettext_lazy("ほかの編集者が同時にFAQを登録しました。もう一度取り込んでください。")


def _fresh_numbers(parsed: list[ParsedRow]) -> Iterator[str]:
    """Numbers for the new rows, after every number in use or in the sheet. Taken once for
    the whole import: ``services.next_number`` reads every number, so asking it for each new
    row would make a large import quadratic (2,000 new rows: most of its time)."""
    first = int(services.next_number().removeprefix(services.NUMBER_PREFIX))
    chosen = [p.number.removeprefix(services.NUMBER_PREFIX) for p in parsed if p.number]
    start = max([first - 1, *(int(n) for n in chosen if n.isdigit())]) + 1
    return (f"{services.NUMBER_PREFIX}{n:04d}" for n in itertools.count(start))


def _write(parsed: list[ParsedRow], by, request, progress: Progress) -> ImportResult:
    result = ImportResult()
    with transaction.atomic():
        existing = FAQ.objects.in_bulk([p.number for p in parsed if p.number], field_name="number")
        fresh = _fresh_numbers(parsed)
        saved: dict[int, tuple[FAQ, bool]] = {}
        for done, item in enumerate(parsed, start=1):
            if done % PROGRESS_EVERY == 0:
                progress(50 + 49 * done // len(parsed))
            faq = existing.get(item.number) or FAQ(number=item.number or next(fresh))
            is_new = faq.pk is None
            for name, value in item.fields.items():
                setattr(faq, name, value)
            services.save_faq(faq, touch="updated_on" not in item.fields, by=by)
            saved[item.row] = (faq, is_new)
            result.created += is_new
            result.updated += not is_new
        by_number = {
            f.number: f
            for f in FAQ.objects.filter(number__in={n for p in parsed for n in p.related})
        }
        for item in parsed:
            faq, is_new = saved[item.row]
            if item.related or not is_new:  # a new FAQ has no links to clear
                faq.related.set([by_number[n] for n in item.related])
        services.record_change(
            request,
            by,
            "FAQ import",
            detail=f"FAQを取り込みました: 新規 {result.created} 件、更新 {result.updated} 件",
        )
    return result
