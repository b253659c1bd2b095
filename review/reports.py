"""The meeting report: an .xlsx of the figures of a day (:mod:`review.figures`) with native
Excel charts, printable on A4, and the worker job that builds a large one.

Large national reports (a past date over many entries) are built by a Celery worker
(:class:`ReportJob`) with progress.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, pgettext
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from actionplan.models import PlanEntry, Programme
from pmo import jobs, wareki, xlsx
from pmo.text import display_width
from pmo.xlsx import write
from review import rollups, rules
from review.figures import (
    STATUS_ORDER,
    Figures,
    figures,
    labels_for,
    lines,
    significant_by_prefecture,
)
from review.models import FollowUp, ReportJob, Rule
from review.selectors import Scope, scope_for

# Past-date reports over more entries than this are built by a worker, with progress.
LARGE = 20_000
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
WRAP = Alignment(wrap_text=True, vertical="top")
# cm: the chart fills an A4 landscape page (27.7 × 19 cm less margins, title, page number)
CHART_WIDTH, CHART_HEIGHT = 25, 16
CHART_CATEGORIES = 24  # labels one chart of that height shows at 9 pt without dropping any
COLUMN_CM = 1.7  # a default-width column, for placing charts side by side
# 完了率 in the portal's blue, 工数加重完了率 in orange: apart for colour-blind readers too.
SERIES_COLOURS = ("0017C1", "E25100")

# --- The workbook ------------------------------------------------------------------------------


def workbook(
    programme: Programme,
    figs: Figures,
    work_item_labels: dict[int, str],
    prefecture_labels: dict[int, str],
) -> bytes:
    book, summary = xlsx.new_book(gettext("作業項目別"))
    _title(
        summary,
        gettext("%(programme)s 進捗状況（%(as_of)s）")
        % {"programme": programme.name, "as_of": as_of(figs.on)},
    )
    by_item = lines(figs, 0, work_item_labels)
    _table(summary, by_item, gettext("作業項目"))
    # Short titles: a title on two lines leaves the bars too little height for every label.
    item_chart = _chart(book, summary, len(by_item), gettext("作業項目別 完了率（%）"))
    by_pref = book.create_sheet(gettext("都道府県別"))
    _title(by_pref, gettext("都道府県別 進捗状況（%(as_of)s）") % {"as_of": as_of(figs.on)})
    pref_lines = lines(figs, 1, prefecture_labels)
    organizations = significant_by_prefecture(figs)
    for line in pref_lines:
        line.significant_organizations = organizations.get(line.key, 0)
    _table(by_pref, pref_lines, gettext("都道府県"))
    pref_chart = _chart(book, by_pref, len(pref_lines), gettext("都道府県別 完了率（%）"))
    late = book.create_sheet(gettext("要フォローアップ団体"))
    _late_sheet(late, figs)
    notes = book.create_sheet(gettext("注記"))
    for row, text in enumerate(
        (
            gettext("完了率 = %(formula)s") % {"formula": gettext(rollups.FORMULA)},
            gettext("工数加重完了率 = %(formula)s")
            % {"formula": gettext(rollups.WEIGHTED_FORMULA)},
            str(UNITS_NOTE),
            gettext("作成日時: %(when)s") % {"when": f"{timezone.localtime():%Y/%m/%d %H:%M}"},
        ),
        1,
    ):
        write(notes.cell(row=row, column=1), text)
        notes.cell(row=row, column=1).alignment = WRAP
    notes.column_dimensions["A"].width = 120
    for sheet in (summary, by_pref, late):
        _print_setup(sheet, title_rows="2:2")
    for sheet in (item_chart, pref_chart, notes):
        if sheet is not None:
            _print_setup(sheet, title_rows=None, one_page=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_of(day: dt.date) -> str:
    """2015/09/30（平成27年度）時点: the date with the fiscal year officials file it under."""
    return gettext("%(day)s（%(fiscal_year)s）時点") % {
        "day": f"{day:%Y/%m/%d}",
        "fiscal_year": wareki.fiscal_year_label(wareki.fiscal_year(day)),
    }


def _title(sheet, text: str) -> None:
    write(sheet.cell(row=1, column=1), text)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)


def _print_setup(sheet, *, title_rows: str | None, one_page: bool = False) -> None:
    """A4 landscape, one page wide (and one high for a chart), the header row on every
    page, page numbers below."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1 if one_page else 0  # 0: as many pages as rows need
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddHeader.right.text = "&A"


def _width_for(header: str) -> float:
    """A column width (in Latin characters) that shows ``header`` whole: on one line when it
    is short, on two when long; a full-width character takes two."""
    width = display_width(header)
    return max(8, (width if width <= 16 else -(-width // 2)) + 2)


def _header_row(sheet, headers: tuple[str, ...], widths: dict[str, float]) -> None:
    """Row 2: bold, filled, wrapped, each column wide enough that no header is cut off."""
    for col, text in enumerate(headers, 1):
        cell = sheet.cell(row=2, column=col)
        write(cell, text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = widths.get(letter) or _width_for(text)
    sheet.row_dimensions[2].height = 32  # two lines of wrapped header


# Each figure says its unit: 行 (entries: organisation × task), 件・判定ごと (flags: one rule
# on one entry; an entry may carry several), 団体 (organisations).
HEADERS = (
    gettext_lazy("対象の計画（行）"),
    gettext_lazy("完了（行）"),
    gettext_lazy("対象外（行）"),
    gettext_lazy("実施中（行）"),
    gettext_lazy("未着手（行）"),
    gettext_lazy("完了率（%）"),
    gettext_lazy("工数加重完了率（%）"),
    gettext_lazy("遅延（件・判定ごと）"),
    gettext_lazy("要フォローアップ（件・判定ごと）"),
    gettext_lazy("承認済み（件・判定ごと）"),
)
ORGANIZATIONS_HEADER = gettext_lazy("要フォローアップ（団体）")
UNITS_NOTE = gettext_lazy(
    "数え方: 「団体」は都道府県・市区町村・一部事務組合の数、「計画の行」は団体ごと・タスクごと"
    "（G は対象システムごと）の計画の数、「件・判定ごと」は遅延の判定規則（計画未入力、計画が"
    "マイルストーン超過、開始遅延、終了遅延、マイルストーン未達）に当たった数です。1 つの計画の行に"
    "複数の判定が付くことがあるため、判定の件数は計画の行の数より多くなることがあります。"
    "承認済みの遅延は別に数えています。"
)


def _table(sheet, items: list[rollups.Line[int]], label: str) -> None:
    """One line a row; a last column of organisations where the lines carry that count."""
    with_orgs = any(line.significant_organizations is not None for line in items)
    headers = (label, *HEADERS, *([ORGANIZATIONS_HEADER] if with_orgs else []))
    _header_row(sheet, tuple(str(header) for header in headers), {"A": 28})
    for row, line in enumerate(items, 3):
        values = (
            line.label,
            line.entries,
            *(line.by_status.get(status, 0) for status in STATUS_ORDER),
            line.rate or 0,
            line.weighted_rate or 0,
            line.late,
            line.significant,
            line.approved,
            *([line.significant_organizations or 0] if with_orgs else []),
        )
        for col, value in enumerate(values, 1):
            write(sheet.cell(row=row, column=col), value)


def _chart(book, source, count: int, title: str):
    """The completion rates as bars, on a sheet of their own after the table's.

    The sheet prints as exactly one A4 landscape page, so no chart is split across pages
    (one beside or below a long table would be). Every category is labelled: spreadsheet
    programs drop labels they find crowded, so more than ``CHART_CATEGORIES`` categories
    (the 47 prefectures) are drawn as charts side by side. The data stays in the table.
    """
    if not count:
        return None
    sheet = book.create_sheet(gettext("%(sheet)s（グラフ）") % {"sheet": source.title})
    _title(sheet, title)
    parts = -(-count // CHART_CATEGORIES)
    width = CHART_WIDTH / parts
    for part in range(parts):
        first = 3 + part * CHART_CATEGORIES
        last = min(count + 2, first + CHART_CATEGORIES - 1)
        chart = _bars(source, first, last, title if parts == 1 else f"{title} {part + 1}/{parts}")
        # Centimetres, a float to openpyxl (its stubs say int).
        chart.width, chart.height = width, CHART_HEIGHT  # type: ignore[assignment]
        column = 1 + part * (int(width / COLUMN_CM) + 1)
        sheet.add_chart(chart, f"{get_column_letter(column)}3")
    return sheet


def _bars(source, first: int, last: int, title: str) -> BarChart:
    """Horizontal bars of the table's rate columns for rows ``first``..``last``."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = title
    chart.y_axis.title = "%"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    for column in (7, 8):  # 完了率, 工数加重完了率
        series = Series(Reference(source, min_col=column, min_row=first, max_row=last))
        series.tx = SeriesLabel(strRef=StrRef(f"'{source.title}'!${get_column_letter(column)}$2"))
        chart.series.append(series)
    chart.set_categories(Reference(source, min_col=1, min_row=first, max_row=last))
    for series, colour in zip(chart.series, SERIES_COLOURS, strict=True):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    chart.x_axis.tickLblSkip = 1
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    chart.x_axis.txPr = RichText(
        p=[Paragraph(pPr=ParagraphProperties(defRPr=CharacterProperties(sz=900)), endParaRPr=None)]
    )
    return chart


def _late_sheet(sheet, figs: Figures) -> None:
    _title(sheet, gettext("要フォローアップ団体（%(as_of)s）") % {"as_of": as_of(figs.on)})
    headers = (
        gettext("団体コード"),
        gettext("都道府県"),
        gettext("団体名"),
        gettext("遅延（件・判定ごと）"),
        gettext("要フォローアップ（件・判定ごと）"),
        gettext("承認済み（件・判定ごと）"),
        gettext("最大遅延日数"),
        gettext("遅延の種類"),
        gettext("フォローアップ"),
    )
    _header_row(sheet, headers, {"A": 11, "B": 11, "C": 20, "H": 40, "I": 14})
    labels = dict(Rule.choices)
    states = dict(FollowUp.State.choices)
    for row, item in enumerate(figs.late, 3):
        org = item.organization
        values = (
            org.code,
            org.prefecture.name if org.prefecture else org.name,
            org.name,
            item.flags,
            item.significant,
            item.approved,
            item.worst,
            gettext("、").join(str(labels[r]) for r in rules.RULES if r in item.rules),
            str(states[item.follow_up]) if item.follow_up else pgettext("follow-up", "なし"),
        )
        for col, value in enumerate(values, 1):
            write(sheet.cell(row=row, column=col), value)
        sheet.cell(row=row, column=8).alignment = WRAP


def build(
    programme: Programme, on: dt.date, scope: Scope, progress=None, *, from_history=False
) -> bytes:
    figs = figures(programme, on, scope, progress, from_history=from_history)
    work_item_labels, prefecture_labels = labels_for(programme, scope)
    return workbook(programme, figs, work_item_labels, prefecture_labels)


def is_large(programme: Programme, on: dt.date) -> bool:
    if on >= timezone.localdate():
        return False
    return PlanEntry.objects.filter(task__work_item__programme=programme).count() > LARGE


class LeaseLost(Exception):
    """The job's lease expired while it ran (pmo.jobs.expire_stale): stop, write nothing."""


def run_job(job_id: int) -> None:
    """Build one queued report: claimed once (a deleted or expired job is skipped), its lease
    renewed with each progress step, ended only while still ours (:mod:`pmo.jobs`)."""
    if not jobs.claim(ReportJob, job_id):
        return
    jobs.renew(ReportJob, job_id, percent=1)
    job = ReportJob.objects.select_related("user", "programme").get(pk=job_id)

    def progress(percent: int) -> None:
        if not jobs.renew(ReportJob, job_id, percent=max(1, min(percent, 99))):
            raise LeaseLost

    try:
        # In the language of the person who asked for it (the worker has none of its own).
        with translation.override(job.language):
            data = build(job.programme, job.as_of, scope_for(job.user, job.programme), progress)
    except LeaseLost:
        return
    except Exception:
        jobs.fail(ReportJob, job_id)
        raise
    jobs.finish(ReportJob, job_id, jobs.DONE, percent=100, result=data)
