from __future__ import annotations

import pytest

from orgs import jis


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("010006", True),  # 北海道
        ("011002", True),  # 札幌市
        ("012025", True),  # 函館市
        ("131016", True),  # 千代田区
        ("012050", True),  # 室蘭市: remainder 1 gives check digit 0
        ("012131", True),  # 苫小牧市: remainder 0 gives check digit 1
        ("011003", False),  # wrong check digit
        ("01100", False),  # too short
        ("0110021", False),  # too long
        ("01100a", False),  # not digits
        ("480005", False),  # no prefecture 48
        ("", False),
    ],
)
def test_validity(code, valid):
    assert jis.is_valid(code) is valid


def test_problem_explains_the_check_digit_in_japanese():
    assert jis.problem("011003") == "団体コード「011003」の検査数字が正しくありません（正しくは2）"
    assert "6桁" in jis.problem("1234")


@pytest.mark.parametrize(
    ("code", "prefecture"), [("011002", "010006"), ("131016", "130001"), ("472115", "470007")]
)
def test_prefecture_code(code, prefecture):
    assert jis.prefecture_code(code) == prefecture


def test_check_digit_needs_five_digits():
    with pytest.raises(ValueError):
        jis.check_digit("0110")
