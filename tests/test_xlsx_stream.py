"""pmo.xlsx_stream: what it writes reads back as written (openpyxl), whatever the text."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from pmo import xlsx_stream


def test_values_read_back_as_written():
    rows = [
        ('a & b <c> "d"', 12, 1.5, True, None, ""),
        ("  leading and trailing  ", -3, 0.0, False, "x", "=1+1"),
        ("bell\x07 and tab\tkept", 0, 2, False, "+81", "@home"),
    ]
    out = io.BytesIO()
    header = ("文字", "整数", "小数", "真偽", "空", "式")
    count = xlsx_stream.write_sheet(out, "一覧 & <その他>", header, rows)
    assert count == 3
    book = load_workbook(io.BytesIO(out.getvalue()))
    sheet = book["一覧 & <その他>"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["文字", "整数", "小数", "真偽", "空", "式"]
    assert values[1] == ['a & b <c> "d"', 12, 1.5, True, None, None]
    assert values[2] == ["  leading and trailing  ", -3, 0, False, "x", "=1+1"]
    assert values[3] == ["bell and tab\tkept", 0, 2, False, "+81", "@home"]
    for ref in ("F3", "E4", "F4"):  # text a spreadsheet would run: text, with the quote prefix
        assert sheet[ref].data_type == "s" and sheet[ref].quotePrefix, ref
    assert not sheet["A2"].quotePrefix


def test_an_empty_sheet_has_its_header():
    out = io.BytesIO()
    assert xlsx_stream.write_sheet(out, "空", ("見出し",), []) == 0
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["見出し"]]
