"""Date filters for officials: ``{{ day|with_fiscal_year }}`` → 2015/09/30（平成27年度）."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats, translation

from pmo import wareki

register = template.Library()


@register.filter
def fiscal_year(day: dt.date | None) -> str:
    """平成27年度 (FY2015 in English), or '' for no date."""
    if not day:
        return ""
    year = wareki.fiscal_year(day)
    if translation.get_language() == "en":
        return f"FY{year}"
    return wareki.fiscal_year_label(year)


@register.filter
def with_fiscal_year(day: dt.date | None) -> str:
    """2015/09/30（平成27年度）: the portal's date format, then the fiscal year and era."""
    if not day:
        return ""
    return translation.gettext("%(day)s（%(year)s）") % {
        "day": formats.date_format(day, "Y/m/d"),
        "year": fiscal_year(day),
    }


@register.filter
def japanese_era(day: dt.date | None) -> str:
    """平成27年9月30日."""
    return wareki.wareki(day) if day else ""


@register.filter
def written_date(value):
    """A stored ISO date (``2015-09-25``, e.g. a completion answer) as officials write it,
    2015/09/25; anything else unchanged."""
    if isinstance(value, dt.date):
        return formats.date_format(value, "Y/m/d")
    if isinstance(value, str) and len(value) == 10:
        try:
            return formats.date_format(dt.date.fromisoformat(value), "Y/m/d")
        except ValueError:
            return value
    return value
