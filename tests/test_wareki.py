"""Fiscal years and eras, table-tested on their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from pmo import wareki

D = dt.date


@pytest.mark.parametrize(
    ("day", "year"),
    [(D(2015, 3, 31), 2014), (D(2015, 4, 1), 2015), (D(2015, 12, 31), 2015), (D(2016, 1, 1), 2015)],
)
def test_the_fiscal_year_begins_in_april(day, year):
    assert wareki.fiscal_year(day) == year


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2015, 9, 30), "平成27年9月30日"),
        (D(1989, 1, 7), "昭和64年1月7日"),
        (D(1989, 1, 8), "平成元年1月8日"),
        (D(2019, 4, 30), "平成31年4月30日"),
        (D(2019, 5, 1), "令和元年5月1日"),
        (D(2026, 12, 1), "令和8年12月1日"),
        (D(1926, 12, 25), "昭和元年12月25日"),
        (D(1912, 7, 29), "明治45年7月29日"),
    ],
)
def test_era_dates(day, expected):
    assert wareki.wareki(day) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2015, "平成27年度"),
        (1988, "昭和63年度"),  # 平成 began in January 1989, inside this fiscal year
        (1989, "平成元年度"),
        (2018, "平成30年度"),
        (2019, "令和元年度"),  # as the government named it, although April 2019 was 平成31年
        (2020, "令和2年度"),
    ],
)
def test_fiscal_year_labels(year, expected):
    assert wareki.fiscal_year_label(year) == expected


def test_dates_before_the_known_eras_are_refused():
    with pytest.raises(ValueError):
        wareki.era_year(D(1800, 1, 1))


def render(source: str, day) -> str:
    return Template("{% load pmo_dates %}" + source).render(Context({"day": day}))


def test_filters_show_the_portal_date_with_its_fiscal_year():
    with translation.override("ja"):
        assert render("{{ day|with_fiscal_year }}", D(2015, 9, 30)) == "2015/09/30（平成27年度）"
        assert render("{{ day|japanese_era }}", D(2015, 9, 30)) == "平成27年9月30日"
        assert render("{{ day|with_fiscal_year }}", None) == ""
        assert wareki.fiscal_year_choice(2015) == "2015年度（平成27年度）"
    with translation.override("en"):
        assert render("{{ day|fiscal_year }}", D(2016, 3, 31)) == "FY2015"


def test_fiscal_year_bounds_and_the_years_a_span_touches():
    assert wareki.fiscal_year_bounds(2015) == (D(2015, 4, 1), D(2016, 3, 31))
    assert wareki.fiscal_years_between(D(2015, 4, 1), D(2017, 3, 31)) == [2015, 2016]
    assert wareki.fiscal_years_between(D(2015, 3, 31), D(2015, 4, 1)) == [2014, 2015]
    assert wareki.fiscal_years_between(D(2015, 5, 1), D(2015, 6, 1)) == [2015]
