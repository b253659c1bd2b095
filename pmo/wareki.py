"""Fiscal years (年度) and Japanese eras (和暦): pure functions on dates, table-tested.

Officials date deadlines by fiscal year (April to March) and by era: 2015/09/30 falls in
平成27年度. The era of a fiscal year is the one in force on 1 May of it: that names 2019's
fiscal year 令和元年度 as the government did, and 1988's 昭和63年度 although 平成 began in the
following January.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _


class Era(NamedTuple):
    name: str
    start: dt.date


# Newest first; each era's first day in the Gregorian calendar (明治 by its proclamation).
ERAS = (
    Era("令和", dt.date(2019, 5, 1)),
    Era("平成", dt.date(1989, 1, 8)),
    Era("昭和", dt.date(1926, 12, 25)),
    Era("大正", dt.date(1912, 7, 30)),
    Era("明治", dt.date(1868, 10, 23)),
)


def fiscal_year(day: dt.date) -> int:
    """The Gregorian year in which ``day``'s fiscal year (April to March) begins."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The first and last day of fiscal ``year``: 2015 → 2015/04/01, 2016/03/31."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


def fiscal_years_between(first: dt.date, last: dt.date) -> list[int]:
    """Every fiscal year a span touches, oldest first (a programme's 年度 filter choices)."""
    return list(range(fiscal_year(first), fiscal_year(last) + 1))


def era_year(day: dt.date) -> tuple[str, int]:
    """The era in force on ``day`` and the year within it (1 is 元年)."""
    for era in ERAS:
        if day >= era.start:
            return era.name, day.year - era.start.year + 1
    raise ValueError(f"{day} is before the eras this portal knows")


def _number(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki(day: dt.date) -> str:
    """``平成27年9月30日``."""
    era, year = era_year(day)
    return f"{era}{_number(year)}年{day.month}月{day.day}日"


# The eras as an English reader reads them (Heisei 27).
ERA_NAMES = {
    "令和": gettext_lazy("令和"),
    "平成": gettext_lazy("平成"),
    "昭和": gettext_lazy("昭和"),
    "大正": gettext_lazy("大正"),
    "明治": gettext_lazy("明治"),
}


def fiscal_year_label(year: int) -> str:
    """``平成27年度`` for 2015 (the era in force on 1 May of that fiscal year), in the active
    language (``Heisei 27`` in English, ``Reiwa 1`` for 令和元年度)."""
    era, era_year_number = era_year(dt.date(year, 5, 1))
    number = gettext("元") if era_year_number == 1 else str(era_year_number)
    return gettext("%(era)s%(number)s年度") % {"era": ERA_NAMES[era], "number": number}


def fiscal_year_choice(year: int) -> str:
    """A 年度 filter option: ``2015年度（平成27年度）`` (``FY2015 (平成27年度)`` in English)."""
    return _("%(year)s年度（%(era)s）") % {"year": year, "era": fiscal_year_label(year)}
