"""One row of the plan as the plan page, its row answers and the workbook show it: the entry
with its milestone (and the public holiday it falls on), its completion items and answers, its
warnings, and its bars on the programme's timeline (:class:`Scale`). Built from what
:mod:`actionplan.selectors` has read: no queries here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import holidays
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from actionplan import rules
from actionplan.models import CompletionItem, Status
from pmo import questions as kinds


@lru_cache(maxsize=8)
def _japan_holidays(years: tuple[int, ...], language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=years, language=language)


def holiday_name(day: dt.date | None) -> str:
    """The name of the Japanese public holiday on ``day`` ('' when it is a working day), in
    the active language (the holidays library names them in Japanese and in English)."""
    if day is None:
        return ""
    language = "ja" if (translation.get_language() or "ja").startswith("ja") else "en_US"
    years = tuple(range(day.year - 1, day.year + 2))
    return _japan_holidays(years, language).get(day, "") or ""


@dataclass
class Bar:
    left: float
    width: float


@dataclass
class Row:
    entry: Any  # PlanEntry, or its historical record when read as of a date
    milestone: dt.date | None
    milestone_holiday: str
    questions: list[CompletionItem]
    warnings: list[str]
    planned: Bar | None = None
    actual: Bar | None = None
    milestone_at: float | None = None
    answers: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        # What get_status_display shows, without hashing every lazy choice label (each a
        # translation lookup) on each row.
        return str(_STATUS_LABELS.get(self.entry.status, self.entry.status))

    # What the row template shows, computed once per row or once per language instead of by
    # template tags on each row (at 5,000 rows each tag costs tens of milliseconds).

    @property
    def labels(self) -> dict[str, str]:
        return _row_labels(translation.get_language())

    @property
    def planned_text(self) -> str:
        return span(self.entry.planned_start, self.entry.planned_end)

    @property
    def actual_text(self) -> str:
        return span(self.entry.actual_start, self.entry.actual_end)

    @property
    def edit_label(self) -> str:
        return gettext("%(task)sを編集") % {"task": self.entry.task.name}


_STATUS_LABELS = dict(Status.choices)
ROW_LABELS = {
    "plan": gettext_lazy("計画"),
    "actual": gettext_lazy("実績"),
    "status": gettext_lazy("状況"),
    "progress": gettext_lazy("進捗"),
    "not_entered": gettext_lazy("未入力"),
    "edit": gettext_lazy("編集"),
    "history": gettext_lazy("変更履歴"),
    "last_updated": gettext_lazy("最終更新"),
    "show_history": gettext_lazy("履歴を表示"),
}


@lru_cache(maxsize=8)
def _row_labels(language: str | None) -> dict[str, str]:
    with translation.override(language):
        return {key: str(label) for key, label in ROW_LABELS.items()}


def span(start: dt.date | None, end: dt.date | None) -> str:
    """``2015/04/01〜2015/06/30`` (— for a missing end), or '' when neither is set."""
    if start is None and end is None:
        return ""
    first = f"{start:%Y/%m/%d}" if start else "—"
    last = f"{end:%Y/%m/%d}" if end else "—"
    return gettext("%(start)s〜%(end)s") % {"start": first, "end": last}


def build_row(organization, entry, milestones, questions, dependencies, scale: Scale) -> Row:
    milestone = rules.choose_milestone(
        milestones[entry.task_id], organization.kind, organization.municipality_class
    )
    items = questions[entry.task_id]
    return Row(
        entry=entry,
        milestone=milestone,
        milestone_holiday=holiday_name(milestone),
        questions=items,
        warnings=rules.warnings(entry_values(entry), milestone, dependencies),
        planned=scale.bar(entry.planned_start, entry.planned_end),
        actual=scale.bar(entry.actual_start, entry.actual_end or _today_if(entry)),
        milestone_at=scale.at(milestone),
        answers=[(item.label, _shown(item, entry.completion)) for item in items],
    )


def _shown(item: CompletionItem, answers: dict | None) -> str:
    return kinds.display(item.question().spec, (answers or {}).get(str(item.pk)))


def entry_values(entry) -> rules.EntryValues:
    return rules.EntryValues(
        planned_start=entry.planned_start,
        planned_end=entry.planned_end,
        actual_start=entry.actual_start,
        actual_end=entry.actual_end,
        status=entry.status,
    )


def _today_if(entry) -> dt.date | None:
    # An unfinished task's actual bar runs to today.
    return timezone.localdate() if entry.actual_start and not entry.actual_end else None


class Scale:
    """Positions on the programme's span as percentages of the timeline's width."""

    def __init__(self, start: dt.date, end: dt.date):
        self.start, self.end = start, end
        self.days = max((end - start).days, 1)

    def at(self, day: dt.date | None) -> float | None:
        if day is None:
            return None
        clamped = min(max(day, self.start), self.end)
        return round((clamped - self.start).days * 100 / self.days, 2)

    def bar(self, start: dt.date | None, end: dt.date | None) -> Bar | None:
        if start is None or end is None or end < start:
            return None
        left = self.at(start) or 0.0
        return Bar(left, max(round((self.at(end) or 0.0) - left, 2), 0.6))

    def ticks(self) -> list[tuple[float, str]]:
        years = range(
            self.start.year + (self.start.month > 1 or self.start.day > 1), self.end.year + 1
        )
        return [(self.at(dt.date(year, 1, 1)) or 0.0, f"{year}") for year in years]
