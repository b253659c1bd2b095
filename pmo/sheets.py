"""Reading an uploaded sheet's cells, and the one type every importer reports a problem with.

The importers (accounts, the procedures catalogue, FAQs, plans) read cells through these
readers, so a number typed as ``12`` and stored by Excel as ``12.0`` reads as ``"12"``
everywhere, and list their problems as :class:`RowError` (row, column, message — and the
sheet, for a workbook of several). Opening the workbook safely is :mod:`pmo.xlsx`'s job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from pmo.xlsx import FORMULA_PREFIXES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class RowError:
    """One problem of an uploaded sheet: row 0 is the file as a whole."""

    row: int
    column: str
    message: StrOrPromise
    sheet: str = ""  # a workbook of several sheets names the one

    def __str__(self) -> str:
        if not self.row:
            where = _("ファイル")
        elif self.sheet:
            where = _("%(sheet)sシート %(row)s行目") % {"sheet": self.sheet, "row": self.row}
        else:
            where = _("%(row)s行目") % {"row": self.row}
        if self.column:
            return _("%(where)s「%(column)s」: %(message)s") % {
                "where": where,
                "column": self.column,
                "message": self.message,
            }
        return _("%(where)s: %(message)s") % {"where": where, "message": self.message}

    def as_dict(self) -> dict[str, Any]:
        """As a job stores it (JSON): every field, and the sentence :meth:`__str__` makes."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": str(self.column),
            "message": str(self.message),
            "text": str(self),
        }


def cell_text(value: object, *, unquote: bool = False) -> str:
    """A cell as trimmed text: nothing is ``""``, ``12.0`` is ``"12"``, a date 2015/07/09.

    ``unquote`` takes off the leading quote the portal's own CSV-style exports put before
    formula-like text (``'=SUM``), so a downloaded sheet reads back as it was."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y/%m/%d}"
    result = str(value).strip()
    if unquote and result.startswith("'") and result[1:].startswith(FORMULA_PREFIXES):
        return result[1:]
    return result


def cell_int(value: object) -> int | None:
    """A cell as a whole number (``int()``'s reading), or ``None``."""
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
