"""A survey's pure rules: its schedule, and the arithmetic of its results. No database.

When a survey may be answered (from its opening date to its closing date, Asia/Tokyo, and
after it only where the issuer reopened a response), whether its dates hold together, and the
figures its results show (response rate, number statistics). What an answer is belongs to the
question kinds, :mod:`pmo.questions`, shared with the task completion items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _


def schedule_errors(opens_on: dt.date | None, closes_on: dt.date | None) -> list[str]:
    if opens_on and closes_on and closes_on < opens_on:
        return [_("締切日は開始日以降の日付にしてください。")]
    return []


def is_answerable(
    today: dt.date, opens_on: dt.date, closes_on: dt.date, *, reopened: bool = False
) -> bool:
    """May a respondent save or submit today? From the opening date to the closing date
    (inclusive, Asia/Tokyo); after it only when the issuer reopened this response."""
    if today < opens_on:
        return False
    return today <= closes_on or reopened


def response_rate(answered: int, expected: int) -> float:
    """Submitted ÷ expected, 0 when nobody is expected."""
    return answered / expected if expected else 0.0


def number_stats(values: Iterable[str]) -> dict[str, Decimal | int | None]:
    """Count, sum, mean, min and max of stored number answers."""
    numbers = [Decimal(v) for v in values if v is not None]
    if not numbers:
        return {"count": 0, "sum": None, "mean": None, "min": None, "max": None}
    total = sum(numbers, Decimal(0))
    return {
        "count": len(numbers),
        "sum": total,
        "mean": total / len(numbers),
        "min": min(numbers),
        "max": max(numbers),
    }
