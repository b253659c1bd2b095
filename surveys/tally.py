"""How a submitted answer is counted: the rows of :class:`surveys.models.ResultValue`.

Pure functions on stored values (see :mod:`pmo.questions`), used by the answering service on
each submission and by the migration that filled the rows for answers already submitted.

A question answered gives one row, a multiple choice one row per choice picked (the first of
them ``first``, so "how many answered" is a count of the ``first`` rows). ``choice`` is what the
counts and the answer filter group by: the choice's text, ``yes``/``no`` for a yes/no
question, empty for the other kinds. ``number`` is a number answer as a decimal the database
can hold (:data:`DIGITS`, :data:`PLACES`) for the statistics; one too large for it (beyond
10^27) is counted as answered but left out of the statistics.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

DIGITS = 40
PLACES = 12
YES, NO = "yes", "no"
CHOICE_KINDS = ("single", "multiple", "yes_no")


def as_number(value: Any) -> Decimal | None:
    """A stored number answer ("1.10") as the statistics column holds it, or None."""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-PLACES))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number.adjusted() >= DIGITS - PLACES:
        return None
    return number


def choice_key(kind: str, value: Any) -> str:
    """What the answer filter names for a choice: the choice, or yes/no."""
    if kind == "yes_no":
        return YES if value else NO
    return str(value)


def rows(kind: str, value: Any) -> list[tuple[str, Decimal | None]]:
    """(choice, number) for each row of one answer; [] when unanswered."""
    if value is None or value == [] or value == "":
        return []
    if kind == "multiple":
        return [(str(choice), None) for choice in value]
    if kind in ("single", "yes_no"):
        return [(choice_key(kind, value), None)]
    if kind == "number":
        return [("", as_number(value))]
    return [("", None)]
