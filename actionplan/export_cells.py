"""What every sheet of the own-data workbook (:mod:`actionplan.exports`) is made of: its
columns (:func:`columns`), the sheet itself (:class:`Sheet`, or a :class:`Side` sheet filled
while another streams), and values as a person reads them — labels instead of stored codes,
names instead of ids, Tokyo time, typed dates and numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise

from actionplan import rules
from orgs.models import Organization
from pmo import questions
from pmo.questions import AnswerError, Kind

CHUNK = 2_000  # rows fetched at a time by .iterator()


@dataclass(frozen=True)
class Column:
    name: str | Promise  # the header, translated when it is written
    width: float = 0  # 0: wide enough for the header
    wrap: bool = False  # long text: wrapped, top-aligned

    @property
    def header(self) -> str:
        return str(self.name)


@dataclass(frozen=True)
class Sheet:
    title: str
    about: str  # what the sheet holds, for 目次
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[tuple]] | Side


def columns(*spec: tuple[str | Promise, str]) -> tuple[Column, ...]:
    """Columns from ``(見出し, 幅)`` pairs: the width in Latin characters, ``+`` for long text
    (wrapped, top-aligned). The headers are lazy: a sheet reads in its reader's language."""
    return tuple(
        Column(header, float(width.rstrip("+")), width.endswith("+")) for header, width in spec
    )


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time as Tokyo time without a zone: a spreadsheet has no time zones."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def person(user) -> str:
    return (user.display_name or user.email) if user is not None else ""


def organization_name(organization: Organization | None) -> str:
    return organization.full_name if organization is not None else ""


def work_item_name(work_item) -> str:
    return f"{work_item.code}. {work_item.name}" if work_item is not None else ""


def choice_label(choices, value: object) -> str:
    """The label people read for a stored code (the code itself when it is unknown)."""
    return str(dict(choices.choices).get(value, value)) if value else ""


def typed_answer(kind: str, value: object) -> object:
    """A completion answer as stored (text, ISO date, number as text, yes/no, choices) typed
    for the sheet: a date, a number, or the text :func:`pmo.questions.display` shows."""
    if questions.is_empty(value):
        return None
    spec = questions.Spec(rules.kind_of(kind))
    try:
        if spec.kind == Kind.DATE:
            return questions.parse_date(value)
        if spec.kind == Kind.NUMBER:
            number = questions.parse_number(value)
            return int(number) if number == number.to_integral_value() else float(number)
    except AnswerError:
        return str(value)
    return questions.display(spec, value)


class Side:
    """A second sheet written while the first streams: the completion answers are read with
    the plan's entries (no second pass over them) and go straight to their own sheet, through
    ``target``, which the workbook sets to its sheet's appender."""

    def __init__(self) -> None:
        self.target: Callable[[tuple], None] | None = None
        self.count = 0

    def append(self, row: tuple) -> None:
        assert self.target is not None, "the workbook sets the target before writing"
        self.target(row)
        self.count += 1


def answer_text(kind: str, value: object) -> str:
    typed = typed_answer(kind, value)
    return f"{typed:%Y/%m/%d}" if isinstance(typed, dt.date) else str(typed or "")
