"""JIS X 0402 local government codes: five digits and a check digit (pure, no database).

The check digit is ``11 - (d1*6 + d2*5 + d3*4 + d4*3 + d5*2) mod 11``, keeping only its last
digit (so a remainder of 0 gives 1 and a remainder of 1 gives 0), as the 総務省 code tables do.
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"\d{6}")
_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first_five: str) -> int:
    if not re.fullmatch(r"\d{5}", first_five):
        raise ValueError(f"five digits expected, got {first_five!r}")
    total = sum(int(digit) * weight for digit, weight in zip(first_five, _WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def problem(code: str) -> str | None:
    """Why ``code`` is not a valid six-digit JIS code, in Japanese, or None when it is."""
    if not _SHAPE.fullmatch(code):
        return f"団体コード「{code}」は6桁の数字ではありません"
    if int(code[5]) != check_digit(code[:5]):
        return (
            f"団体コード「{code}」の検査数字が正しくありません（正しくは{check_digit(code[:5])}）"
        )
    if not 1 <= int(code[:2]) <= 47:
        return f"団体コード「{code}」の都道府県コード（先頭2桁）が01〜47ではありません"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None


def prefecture_code(code: str) -> str:
    """The six-digit code of the prefecture a local government belongs to (``01`` → ``010006``)."""
    first_five = f"{code[:2]}000"
    return first_five + str(check_digit(first_five))
