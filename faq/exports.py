"""FAQs as an .xlsx workbook that :mod:`faq.imports` reads back (same columns)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from faq.models import FAQ, Field, WorkItem
from faq.rules import links_text
from pmo import xlsx

SHEET = "FAQ"
COLUMNS = (
    ("番号", 12),
    ("質問", 50),
    ("回答", 80),
    ("作業項目", 10),
    ("分野", 14),
    ("トピック", 16),
    ("最終更新日", 12),
    ("関連FAQ", 20),
    ("関連資料", 40),
    ("公開", 8),
    ("閲覧数", 8),
    ("役に立った", 10),
)
HEADERS = tuple(name for name, _width in COLUMNS)
# The 公開 column's values, read back by the import.
PUBLISHED_VALUES = ("はい", "いいえ")
YES, NO = PUBLISHED_VALUES


def field_label(code: str) -> str:
    return str(Field(code).label) if code else ""


def row_for(faq: FAQ) -> list:
    return [
        faq.number,
        faq.question,
        faq.answer,
        faq.work_item,
        field_label(faq.field),
        faq.topic,
        faq.updated_on,
        ", ".join(r.number for r in faq.related.all()),
        links_text(faq.related_documents),
        YES if faq.is_published else NO,
        faq.view_count,
        faq.helpful_count,
    ]


def faq_workbook(faqs: Iterable[FAQ]) -> bytes:
    """The workbook bytes; ``faqs`` should prefetch ``related``."""
    book, sheet = xlsx.new_book(SHEET)
    sheet.append(list(HEADERS))
    for index, (_name, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0017C1")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for faq in faqs:
        sheet.append([xlsx.csv_safe(value) for value in row_for(faq)])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[6].number_format = "yyyy/mm/dd"
    sheet.freeze_panes = "B2"
    work_items = DataValidation(
        type="list",
        formula1='"' + ",".join(c for c, _l in WorkItem.choices) + '"',
        allow_blank=True,
    )
    fields = DataValidation(
        type="list",
        formula1='"' + ",".join(str(label) for _c, label in Field.choices) + '"',
        allow_blank=True,
    )
    published = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True)
    for validation, column in ((work_items, "D"), (fields, "E"), (published, "J")):
        sheet.add_data_validation(validation)
        validation.add(f"{column}2:{column}20000")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
