"""``?as_of=`` dates: one parser for the as-of plan page and the meeting report.

A past date is read back from the history; a date after today or before the programme began
has nothing to show, and says so in Japanese with the dates written as officials write them
(2015/07/09). Accepts 2015-07-09 (what a date input sends) and 2015/07/09 (what people type).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

BEFORE_START = gettext_noop(
    "%(day)s はプログラムの開始日（%(start)s）より前です。%(start)s 以降の日付を指定してください。"
)


def written(day: dt.date) -> str:
    return f"{day:%Y/%m/%d}"


def parse_day(value: str, *, starts_on: dt.date | None = None) -> tuple[dt.date | None, str]:
    """The day ``value`` names, or ``(None, message)`` when it is malformed, in the future or
    before ``starts_on`` (the programme's first day)."""
    text = (value or "").strip().replace("/", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        found = dt.date(year, month, day)
    except ValueError:
        return None, gettext("日付は 2015/07/09 の形で指定してください。")
    today = timezone.localdate()
    if found > today:
        return None, gettext(
            "%(day)s は未来の日付です。今日（%(today)s）までの日付を指定してください。"
        ) % {"day": written(found), "today": written(today)}
    if starts_on is not None and found < starts_on:
        return None, gettext(BEFORE_START) % {"day": written(found), "start": written(starts_on)}
    return found, ""
