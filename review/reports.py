"""The meeting report (.xlsx with native Excel charts) and the open-data CSV.

Figures for today come from the rollup; figures for a past day are rebuilt from the plan's
history (``PlanEntry.history.as_of``), judged with the same pure rules as of that day, with the
approvals and follow-ups as they stood then — so any past date reproduces that date's report.
Large national reports are built by a Celery worker (:class:`ReportJob`) with progress.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q, QuerySet
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

from actionplan import rules as plan_rules
from actionplan import selectors as plan_selectors
from actionplan.models import Milestone, PlanEntry, Programme, Status, Task
from orgs.models import Organization, OrganizationKind
from pmo import jobs, wareki, xlsx
from pmo.text import display_width
from pmo.xlsx import write
from review import judging, rollups, rules
from review.models import ApprovedException, FollowUp, ReportJob, Rule
from review.selectors import LateOrganization, Scope

logger = logging.getLogger(__name__)
# Past-date reports over more entries than this are built by a worker, with progress.
LARGE = 20_000
STATUS_ORDER = (Status.DONE, Status.NOT_APPLICABLE, Status.IN_PROGRESS, Status.NOT_STARTED)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
WRAP = Alignment(wrap_text=True, vertical="top")
# cm: the chart fills an A4 landscape page (27.7 × 19 cm less margins, title, page number)
CHART_WIDTH, CHART_HEIGHT = 25, 16
CHART_CATEGORIES = 24  # labels one chart of that height shows at 9 pt without dropping any
COLUMN_CM = 1.7  # a default-width column, for placing charts side by side
# 完了率 in the portal's blue, 工数加重完了率 in orange: apart for colour-blind readers too.
SERIES_COLOURS = ("0017C1", "E25100")


@dataclass
class Figures:
    on: dt.date
    status: dict  # (work item, prefecture, status) -> (entries, weight)
    rule: dict  # (work item, prefecture, rule) -> (flags, significant, approved)
    late: list[LateOrganization]


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def _in_scope(scope: Scope, work_item: int, prefecture: int) -> bool:
    if scope.prefecture_id is not None and prefecture != scope.prefecture_id:
        return False
    return scope.work_item_ids is None or work_item in scope.work_item_ids


def figures(
    programme: Programme,
    on: dt.date,
    scope: Scope,
    progress: Callable[[int], None] | None = None,
    *,
    from_history: bool = False,
    with_late: bool = True,
) -> Figures:
    """The figures of ``on``: today's from the rollup, a past day's (or, for checking,
    today's with ``from_history``) rebuilt from the history. ``with_late=False``: today's
    cells only (the open-data CSV has no organisation in it)."""
    if on >= timezone.localdate() and not from_history:
        status, rule = rollups.stored_cells(programme)
        late = _late_now(programme, scope, on) if with_late else []
    else:
        status, rule, late = _from_history(programme, on, scope, progress)
    status = {k: v for k, v in status.items() if _in_scope(scope, k[0], k[1])}
    rule = {k: v for k, v in rule.items() if _in_scope(scope, k[0], k[1])}
    return Figures(on, status, rule, late)


def _late_now(programme: Programme, scope: Scope, on: dt.date) -> list[LateOrganization]:
    """Organisations with an open 要フォローアップ flag in ``scope``, from the per-organisation
    rollup (two queries: the grouped cells, their organisations with the follow-up state)."""
    from review import by_organization, orgrollups
    from review.models import OrganizationRollup
    from review.selectors import follow_up_state

    sums = (
        OrganizationRollup.objects.filter(programme=programme, flags__gt=0)
        .filter(scope.q())
        .values("organization_id")
        .annotate(**orgrollups.sums(), d=orgrollups.worst(on))
    )
    # The sums are named by orgrollups.sums(): a queryset of plain dicts to the type checker.
    per_org = cast("QuerySet[Any, dict[str, Any]]", sums)
    rows = list(per_org.filter(sum_significant__gt=0).order_by())
    organizations = Organization.objects.select_related("prefecture").annotate(
        follow_up=follow_up_state(programme, "pk")
    )
    orgs = organizations.in_bulk([row["organization_id"] for row in rows])
    late = [
        LateOrganization(
            orgs[row["organization_id"]],
            row["sum_flags"],
            row["sum_significant"],
            row["sum_approved"],
            row["d"] or 0,
            by_organization.rule_codes(row, significant=True),
            orgs[row["organization_id"]].follow_up,
        )
        for row in rows
    ]
    return sorted(late, key=lambda item: item.organization.code)


def _flag_scope(scope: Scope) -> Q:
    query = Q()
    if scope.prefecture_id is not None:
        query &= Q(organization_id=scope.prefecture_id) | Q(
            organization__prefecture_id=scope.prefecture_id
        )
    if scope.work_item_ids is not None:
        query &= Q(work_item_id__in=scope.work_item_ids)
    return query


def _from_history(programme, on, scope, progress):
    """Rebuild the figures of ``on`` from the history, judging each entry as of that day."""
    end = _end_of(on)
    tasks = {
        task.pk: task
        for task in Task.objects.filter(work_item__programme=programme).only(
            "pk", "weight", "work_item_id"
        )
    }
    milestones = plan_selectors.milestone_rules(
        Milestone.objects.filter(task__work_item__programme=programme)
    )
    organizations = {
        org.pk: org
        for org in Organization.objects.exclude(kind=OrganizationKind.MINISTRY).select_related(
            "prefecture"
        )
    }
    approved = {
        (row.organization_id, row.task_id, row.system_id): row.approved_until
        for row in ApprovedException.history.as_of(end)
    }
    follow_ups: dict[int, str] = {}
    for row in sorted(
        FollowUp.history.as_of(end).filter(programme=programme), key=lambda r: r.created_at
    ):
        follow_ups[row.organization_id] = row.state
    entries = PlanEntry.history.as_of(end).filter(task_id__in=list(tasks))
    total = entries.count() if progress else 0
    status: dict = defaultdict(lambda: [0, Decimal(0)])
    rule_cells: dict = defaultdict(lambda: [0, 0, 0])
    late: dict[int, LateOrganization] = {}
    fields = (
        "organization_id",
        "task_id",
        "system_id",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "status",
        "retired_on",
    )
    for done, row in enumerate(entries.values_list(*fields).iterator(chunk_size=5000), 1):
        org_id, task_id, system_id, ps, pe, as_, ae, st, retired_on = row
        org, task = organizations.get(org_id), tasks[task_id]
        if org is None or (retired_on is not None and retired_on <= on):
            continue  # a retired target system's entries are out of that day's figures
        prefecture = org.prefecture_id or org.pk
        cell = status[(task.work_item_id, prefecture, st)]
        cell[0] += 1
        cell[1] += task.weight
        milestone = plan_rules.choose_milestone(
            milestones[task_id], org.kind, org.municipality_class
        )
        values = plan_rules.EntryValues(ps, pe, as_, ae, st)
        flags = rules.judge(
            values,
            milestone,
            on,
            programme.plan_deadline,
            programme.significant_delay_days,
            judging.approved_for(approved, org_id, task_id, system_id),
        )
        for flag in flags:
            counts = rule_cells[(task.work_item_id, prefecture, flag.rule)]
            counts[0] += 1
            counts[1] += bool(flag.significant and not flag.approved)
            counts[2] += bool(flag.approved)
        if flags and _in_scope(scope, task.work_item_id, prefecture):
            _add_late(late, org, flags, follow_ups.get(org_id))
        if progress and done % 20_000 == 0:
            progress(int(done * 90 / max(total, 1)))
    late_list = sorted(
        (item for item in late.values() if item.significant), key=lambda i: i.organization.code
    )
    return (
        {k: (n, w) for k, (n, w) in status.items()},
        {k: tuple(v) for k, v in rule_cells.items() if v[0]},
        late_list,
    )


def _add_late(late: dict, org, flags: list[rules.Flag], follow_up: str | None) -> None:
    item = late.setdefault(org.pk, LateOrganization(org, follow_up=follow_up))
    for flag in flags:
        item.flags += 1
        if flag.approved:
            item.approved += 1
        elif flag.significant:
            item.significant += 1
            item.rules.add(flag.rule)
        item.worst = max(item.worst, flag.days_late)


# --- Aggregation of cells into lines -----------------------------------------------------------


def lines(figs: Figures, by: int, labels: dict[int, str]) -> list[rollups.Line]:
    """Lines per work item (``by=0``) or prefecture (``by=1``) from the cells."""
    found = {key: rollups.Line(key, label) for key, label in labels.items()}
    for key, (n, weight) in figs.status.items():
        line = found.get(key[by])
        if line is None:
            continue
        line.entries += n
        line.weight += weight
        line.by_status[key[2]] = line.by_status.get(key[2], 0) + n
        if key[2] in rollups.FINISHED:
            line.finished += n
            line.finished_weight += weight
    for key, (n, significant, approved) in figs.rule.items():
        line = found.get(key[by])
        if line is None:
            continue
        line.by_rule[key[2]] = line.by_rule.get(key[2], 0) + n
        line.significant += significant
        line.approved += approved
    return [line for line in found.values() if line.entries]


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
        line.significant_organizations = organizations.get(line.key or 0, 0)
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


def _table(sheet, items: list[rollups.Line], label: str) -> None:
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


def significant_by_prefecture(figs: Figures) -> dict[int, int]:
    """団体 with an open 要フォローアップ flag per prefecture, from the late list (no query)."""
    counts: dict[int, int] = defaultdict(int)
    for item in figs.late:
        if item.significant:
            org = item.organization
            counts[org.prefecture_id or org.pk] += 1
    return counts


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


def labels_for(programme: Programme, scope: Scope) -> tuple[dict[int, str], dict[int, str]]:
    from review.selectors import prefectures, work_items

    return (
        {item.pk: str(item) for item in work_items(programme, scope)},
        {pref.pk: pref.name for pref in prefectures(scope)},
    )


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
    from review.selectors import scope_for

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


# --- Open data ---------------------------------------------------------------------------------

CSV_HEADERS = (
    "基準日",
    "作業項目",
    "都道府県コード",
    "都道府県",
    "対象の計画（行）",
    "完了（行）",
    "対象外（行）",
    "実施中（行）",
    "未着手（行）",
    "完了率（%）",
    "工数加重完了率（%）",
    *(f"{rules.RULE_LABELS[r]}（件・判定ごと）" for r in rules.RULES),
    "要フォローアップ（件・判定ごと）",
    "承認済み（件・判定ごと）",
)


csv_text = xlsx.csv_safe  # the portal's one formula guard for CSV


def cached_open_data_csv(programme: Programme, on: dt.date) -> str:
    """The national CSV of ``on``, cached until the programme's figures change (the version
    bumped after each commit that moves a rollup cell, :func:`review.orgrollups.
    figures_version`); an hour at most, for a renamed work item or prefecture."""
    from django.core.cache import cache

    from review import orgrollups

    try:
        version = orgrollups.figures_version(programme.pk)
        key = f"review:open-data:{programme.pk}:{on:%Y%m%d}:{version}"
        text = cache.get(key)
    except Exception:  # the cache down: the figures are cheap enough to compute
        logger.warning("cache unreachable: national CSV computed", exc_info=True)
        return open_data_csv(programme, on, Scope())
    if text is None:
        text = open_data_csv(programme, on, Scope())
        with contextlib.suppress(Exception):
            cache.set(key, text, 3600)
    return text


def open_data_csv(programme: Programme, on: dt.date, scope: Scope) -> str:
    """National aggregates per work item × prefecture (no organisation-level data), from the
    rollup cells alone (three queries)."""
    figs = figures(programme, on, scope, with_late=False)
    work_item_labels, _ = labels_for(programme, scope)
    prefs = {pref.pk: pref for pref in Organization.objects.filter(kind="prefecture")}
    cells: dict[tuple[int, int], rollups.Line] = {}
    for (w, p, s), (n, weight) in figs.status.items():
        line = cells.setdefault((w, p), rollups.Line(None, ""))
        line.entries += n
        line.weight += weight
        line.by_status[s] = line.by_status.get(s, 0) + n
        if s in rollups.FINISHED:
            line.finished += n
            line.finished_weight += weight
    for (w, p, r), (n, significant, approved) in figs.rule.items():
        line = cells.setdefault((w, p), rollups.Line(None, ""))
        line.by_rule[r] = line.by_rule.get(r, 0) + n
        line.significant += significant
        line.approved += approved
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    order = list(work_item_labels)
    for (w, p), line in sorted(
        cells.items(),
        key=lambda kv: (
            order.index(kv[0][0]) if kv[0][0] in order else 999,
            prefs[kv[0][1]].code if kv[0][1] in prefs else "",
        ),
    ):
        pref = prefs.get(p)
        row = (
            on.isoformat(),
            work_item_labels.get(w, ""),
            pref.code if pref else "",
            pref.name if pref else "",
            line.entries,
            *(line.by_status.get(s, 0) for s in STATUS_ORDER),
            line.rate if line.rate is not None else "",
            line.weighted_rate if line.weighted_rate is not None else "",
            *(line.by_rule.get(r, 0) for r in rules.RULES),
            line.significant,
            line.approved,
        )
        writer.writerow([csv_text(value) for value in row])
    return out.getvalue()
