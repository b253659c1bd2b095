"""The cell readers and the row-error type every importer shares (pmo.sheets): no database."""

from __future__ import annotations

import datetime as dt

import pytest

from pmo.sheets import RowError, cell_int, cell_text
from pmo.xlsx import csv_safe


@pytest.mark.parametrize(
    ("value", "unquote", "expected"),
    [
        (None, False, ""),
        ("  札幌市 ", False, "札幌市"),
        (12.0, False, "12"),
        (12.5, False, "12.5"),
        (7, False, "7"),
        (dt.date(2015, 7, 9), False, "2015/07/09"),
        (dt.datetime(2015, 7, 9, 10, 30), False, "2015/07/09"),
        ("'=SUM(A1)", False, "'=SUM(A1)"),
        ("'=SUM(A1)", True, "=SUM(A1)"),
        ("'-1", True, "-1"),
        ("'引用", True, "'引用"),  # a quote before ordinary text is the person's own
    ],
)
def test_cell_text(value, unquote, expected):
    assert cell_text(value, unquote=unquote) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("abc", None), ("12", 12), (12.0, 12), (3, 3)],
)
def test_cell_int(value, expected):
    assert cell_int(value) == expected


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (RowError(0, "", "読めません。"), "ファイル: 読めません。"),
        (RowError(0, "", "読めません。", sheet="-"), "ファイル: 読めません。"),
        (RowError(3, "質問", "入力してください。"), "3行目「質問」: 入力してください。"),
        (RowError(3, "", "数式は使えません。"), "3行目: 数式は使えません。"),
        (
            RowError(3, "事務・手続", "入力してください。", sheet="別表第1"),
            "別表第1シート 3行目「事務・手続」: 入力してください。",
        ),
    ],
)
def test_row_error_names_where_it_is(error, expected):
    assert str(error) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-1", "'-1"),
        ("@SUM", "'@SUM"),
        ("生活保護", "生活保護"),
        (3, 3),
    ],
)
def test_the_export_guard_reads_back_as_written(value, expected):
    assert csv_safe(value) == expected
    assert cell_text(csv_safe(value), unquote=True) == str(value)
