"""An organisation's own data, all of it, as one .xlsx workbook (自団体のデータを一括ダウンロード).

One sheet per kind of record, in the order a person reads them: 目次 (the sheets, their row
counts and when the file was made), then the plan, the completion answers, the plan's history,
the advice received, the plan checks, the follow-ups and their notes, the inquiries, the 取組情報
published and the target systems. Every sheet has its title in row 1 and Japanese headers in
row 2 (frozen, and repeated on every printed page), dates as 2015/07/09 and times in Tokyo
time, and prints A4 landscape one page wide, as the meeting report does.

The workbook is written with openpyxl's ``write_only`` mode and every queryset is read with
``.iterator()``: rows go to disk as they are read, so a large organisation's export keeps
memory flat. The number of queries is fixed (about one per sheet, see
:mod:`actionplan.export_selectors`), whatever the number of rows. Every value goes through
:func:`pmo.xlsx.write`, so text that looks like a formula stays text.
"""

from __future__ import annotations

import datetime as dt
import io
from copy import copy
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from actionplan.export_cells import Column, Sheet, Side, columns, local, person
from actionplan.export_sheets import sheets
from orgs.models import Organization
from pmo.text import display_width
from pmo.xlsx import write

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")  # the meeting report's header colour
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top", horizontal="left")
TOP = Alignment(vertical="top")
DATE_FORMAT = "yyyy/mm/dd"
TIME_FORMAT = "yyyy/mm/dd hh:mm"
LINE_HEIGHT = 15  # points per line of 11 pt text
MAX_HEIGHT = 409  # Excel's highest row


# --- The workbook ----------------------------------------------------------------------------


def _print_setup(sheet) -> None:
    """A4 landscape, one page wide, the header row on every page, page numbers below: the
    meeting report's print setup (review.reports), for a write-only sheet."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as the rows need
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.print_title_rows = "2:2"
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddHeader.right.text = "&A"


def _lines(value: object, column: Column) -> int:
    """Lines ``value`` takes in a wrapped column (full-width characters count two)."""
    if not column.wrap or not isinstance(value, str) or not value:
        return 1
    room = max(1, int(_width(column)) - 1)
    return sum(max(1, -(-display_width(line) // room)) for line in value.splitlines())


def _width(column: Column) -> float:
    """The column's width, never narrower than its header on two lines (full width = 2)."""
    header = display_width(column.header)
    return max(column.width, 8, (header if header <= 16 else -(-header // 2)) + 2)


class _Writer:
    """Cells for one write-only workbook. Each style (wrap × number format) is made once and
    its style array copied onto later cells: openpyxl would otherwise hash the style objects
    again for every cell, a third of the export's time."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.styles: dict[tuple, StyleArray] = {}
        self.rows: dict[str, int] = {}  # rows written so far, by sheet

    def append(self, sheet, values: tuple, columns: tuple[Column, ...]) -> None:
        """One row, as tall as its longest wrapped text: neither Excel nor LibreOffice
        grows a row to fit wrapped text when it opens a file, they show the first line."""
        number = self.rows.get(sheet.title, 0) + 1
        self.rows[sheet.title] = number
        lines = max((_lines(v, c) for v, c in zip(values, columns, strict=True)), default=1)
        if lines > 1:
            sheet.row_dimensions[number].height = min(MAX_HEIGHT, lines * LINE_HEIGHT)
        sheet.append(self.row(sheet, values, columns))
        sheet.row_dimensions.pop(number, None)  # written: keep nothing per row in memory

    def cell(self, sheet, value: object, spec: Column | None = None, *, font=None, fill=None):
        cell = WriteOnlyCell(sheet)
        write(cell, value)
        number_format = (
            TIME_FORMAT
            if isinstance(value, dt.datetime)
            else DATE_FORMAT
            if isinstance(value, dt.date)
            else None
        )
        wrap = None if spec is None else spec.wrap
        key = (number_format, wrap, font, fill, cell.quotePrefix)
        if (style := self.styles.get(key)) is not None:
            cell._style = copy(style)  # type: ignore[attr-defined]  # openpyxl's own style array
            return cell
        if number_format:
            cell.number_format = number_format
        if wrap is not None:
            cell.alignment = WRAP if wrap else TOP
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        self.styles[key] = copy(cell._style)  # type: ignore[attr-defined]
        return cell

    def row(self, sheet, values: tuple, columns: tuple[Column, ...]) -> list:
        return [self.cell(sheet, value, c) for value, c in zip(values, columns, strict=True)]

    def begin(self, title: str, heading: str, columns: tuple[Column, ...]):
        """A new sheet: widths, frozen header, print setup (all before the first row, as
        write-only needs), then the title and the header row."""
        sheet = self.book.create_sheet(title)
        for number, spec in enumerate(columns, 1):
            sheet.column_dimensions[get_column_letter(number)].width = _width(spec)
        sheet.freeze_panes = "A3"
        _print_setup(sheet)
        self.rows[title] = 2
        sheet.append([self.cell(sheet, heading, font=TITLE_FONT)])
        headers = [Column(c.header, c.width, wrap=True) for c in columns]
        sheet.row_dimensions[2].height = max(_lines(c.header, c) for c in headers) * LINE_HEIGHT
        sheet.append(
            [self.cell(sheet, c.header, c, font=HEADER_FONT, fill=HEADER_FILL) for c in headers]
        )
        return sheet

    def fill(self, sheet, spec: Sheet) -> int:
        if isinstance(spec.rows, Side):
            return spec.rows.count  # written while another sheet streamed
        count = 0
        for values in spec.rows():
            self.append(sheet, values, spec.columns)
            count += 1
        return count


TOC_COLUMNS = columns((_("シート"), "20"), (_("内容"), "48+"), (_("件数"), "8"))


def workbook(user, organization: Organization) -> bytes:
    """The whole workbook for ``organization`` as ``user`` may see it: eleven queries (one per
    sheet, 計画の確認 two, the completion items' labels one; 完了時の入力項目 none)."""
    made = local(timezone.now())
    writer = _Writer(Workbook(write_only=True))
    name = organization.full_name
    toc = writer.begin(
        gettext("目次"),
        gettext("%(name)s（団体コード %(code)s）のデータ")
        % {"name": name, "code": organization.code},
        TOC_COLUMNS,
    )
    specs = sheets(user, organization)
    written = []
    for spec in specs:  # every sheet begun first: one may be written while another streams
        sheet = writer.begin(spec.title, f"{spec.title} — {name}", spec.columns)
        if isinstance(spec.rows, Side):
            spec.rows.target = partial(writer.append, sheet, columns=spec.columns)
        written.append(sheet)
    counts = [writer.fill(sheet, spec) for sheet, spec in zip(written, specs, strict=True)]
    for spec, count in zip(specs, counts, strict=True):
        writer.append(toc, (spec.title, spec.about, count), TOC_COLUMNS)
    writer.append(toc, (None, None, None), TOC_COLUMNS)
    for label, value in (
        (gettext("作成日時"), f"{made:%Y/%m/%d %H:%M}"),
        (gettext("作成者"), person(user)),
    ):
        writer.append(toc, (label, value, None), TOC_COLUMNS)
    writer.append(toc, (gettext("日時はすべて日本時間です。"), None, None), TOC_COLUMNS)
    out = io.BytesIO()
    writer.book.save(out)
    return out.getvalue()


def filename(organization: Organization, on: dt.date) -> str:
    return gettext("%(code)s_%(name)s_データ一式_%(date)s.xlsx") % {
        "code": organization.code,
        "name": organization.name,
        "date": f"{on:%Y%m%d}",
    }
