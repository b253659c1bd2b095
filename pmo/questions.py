"""Question kinds and their validation: pure functions on plain values, no database.

One implementation for every questionnaire of the portal: the survey desk's questions
(:mod:`surveys`) and the completion items of tasks (:class:`actionplan.models.CompletionItem`,
through :func:`actionplan.rules.answer_problem`). A question is described by a :class:`Spec`;
what the respondent typed (strings from a form or a workbook cell) goes through :func:`clean`,
which returns the stored value (JSON-ready) or raises :class:`AnswerError` with a Japanese
message for the field.

Stored values: text → ``str``; number → ``str`` of the decimal as written (no float
rounding: 1.10 stays 1.10); date → ``"2015-07-09"``; yes/no → ``True``/``False``; single
choice → the choice's text; multiple choice → a list of choice texts in the offered order;
table → a list of rows, each a list of the columns' stored values. An empty answer is ``None``.
A stored value reads back through :func:`clean` as itself, and so do the words completion
items have stored for yes/no since before (``"yes"``/``"no"``): :func:`display` shows both.
A survey's schedule and the figures of its results are the survey desk's own
(:mod:`surveys.rules`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext


class Kind(models.TextChoices):
    SHORT_TEXT = "short_text", gettext_lazy("記述（1行）")
    LONG_TEXT = "long_text", gettext_lazy("記述（複数行）")
    NUMBER = "number", gettext_lazy("数値")
    DATE = "date", gettext_lazy("日付")
    YES_NO = "yes_no", gettext_lazy("はい／いいえ")
    SINGLE = "single", gettext_lazy("単一選択")
    MULTIPLE = "multiple", gettext_lazy("複数選択")
    TABLE = "table", gettext_lazy("表（行を追加）")


CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE})
# A table's columns are of the other kinds, never a table in a table.
COLUMN_KINDS = tuple(kind for kind in Kind if kind != Kind.TABLE)
SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 4000
TABLE_ROWS_MAX = 200
YES_WORDS = frozenset({"yes", "はい", "y", "true", "1", "○", "有"})
NO_WORDS = frozenset({"no", "いいえ", "n", "false", "0", "×", "無"})
# How a multiple choice is written in a cell (sheets read it back split on it).
MULTIPLE_SEPARATOR = "、"
_DATE = re.compile(r"^(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})日?$")


class AnswerError(ValueError):
    """An answer that cannot be accepted; ``str(error)`` is the Japanese message."""


@dataclass(frozen=True)
class Spec:
    """What a question asks for: its kind and the limits its answer must keep."""

    kind: str
    label: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()
    unit: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    columns: tuple[Spec, ...] = field(default_factory=tuple)


def normal_number(value: Decimal | int | None) -> Decimal | None:
    """100.0000 → 100 (not ``normalize()``'s 1E+2), 0.5000 → 0.5: a range limit as the
    designer wrote it, not as a DecimalField of four places reads it back."""
    if value is None:
        return None
    value = Decimal(str(value))  # an unsaved question may still hold the int it was given
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def _text(raw: Any) -> str:
    return "" if raw is None else unicodedata.normalize("NFKC", str(raw)).strip()


def is_empty(value: Any) -> bool:
    if value is None or value == "" or value == []:
        return True
    if isinstance(value, list) and all(isinstance(row, list) for row in value):
        return all(all(is_empty(cell) for cell in row) for row in value)
    return False


def parse_number(raw: Any) -> Decimal:
    text = _text(raw).replace(",", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AnswerError(_("数値で入力してください。")) from None
    if not number.is_finite():
        raise AnswerError(_("数値で入力してください。"))
    return number


def parse_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    match = _DATE.match(_text(raw))
    try:
        if match is None:
            raise ValueError
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise AnswerError(_("日付は 2015/07/09 の形で、実在する日付を入力してください。")) from None


def parse_yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = _text(raw).casefold()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise AnswerError(_("「はい」か「いいえ」を選んでください。"))


def range_text(spec: Spec) -> str:
    """The sentence asking for a number within ``spec``'s range ('' when it has none)."""
    low, high, unit = spec.min_value, spec.max_value, spec.unit
    if low is not None and high is not None:
        return _("%(low)s%(unit)s以上%(high)s%(unit)s以下の数値を入力してください。") % {
            "low": low,
            "high": high,
            "unit": unit,
        }
    if low is not None:
        return _("%(low)s%(unit)s以上の数値を入力してください。") % {"low": low, "unit": unit}
    if high is not None:
        return _("%(high)s%(unit)s以下の数値を入力してください。") % {"high": high, "unit": unit}
    return ""


def _check_range(number: Decimal, spec: Spec) -> None:
    low, high = spec.min_value, spec.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise AnswerError(range_text(spec))


def _choices_by_text(spec: Spec) -> dict[str, str]:
    """The offered choices by their normalised text: an answer typed with full-width letters or
    brackets is the choice, and the choice's own text is what is stored."""
    return {_text(choice): choice for choice in spec.choices}


def _clean_choice(raw: Any, spec: Spec) -> str:
    choice = _choices_by_text(spec).get(_text(raw))
    if choice is None:
        raise AnswerError(_("選択肢の中から選んでください。"))
    return choice


def _clean_multiple(raw: Any, spec: Spec) -> list[str]:
    items = [raw] if isinstance(raw, str) else list(raw or [])
    picked = {_text(item) for item in items if _text(item)}
    offered = _choices_by_text(spec)
    if unknown := picked - set(offered):
        raise AnswerError(
            _("選択肢にない回答です: %(values)s")
            % {"values": pgettext("list separator", "、").join(sorted(unknown))}
        )
    return [choice for text, choice in offered.items() if text in picked]


def split_choices(raw: Any) -> list[Any]:
    """A multiple choice typed in one cell or line, 「、」 or commas between the choices."""
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    return [part for part in re.split(r"[、,，\n]", str(raw)) if part.strip()]


def _clean_text(raw: Any, limit: int) -> str:
    text = "" if raw is None else str(raw).strip()
    if len(text) > limit:
        raise AnswerError(_("%(limit)s文字以内で入力してください。") % {"limit": limit})
    return text


def _clean_table(raw: Any, spec: Spec) -> list[list[Any]]:
    rows = [list(row) for row in (raw or [])]
    if len(rows) > TABLE_ROWS_MAX:
        raise AnswerError(_("行は%(limit)s行までです。") % {"limit": TABLE_ROWS_MAX})
    cleaned: list[list[Any]] = []
    for number, row in enumerate(rows, start=1):
        cells = row + [None] * (len(spec.columns) - len(row))
        if all(is_empty(cell) for cell in cells):
            continue  # a row left blank is no row
        values = []
        for column, cell in zip(spec.columns, cells, strict=False):
            try:
                values.append(clean(column, cell))
            except AnswerError as error:
                raise AnswerError(
                    _("%(row)s行目「%(column)s」: %(message)s")
                    % {"row": number, "column": column.label, "message": error}
                ) from None
        cleaned.append(values)
    return cleaned


def clean(spec: Spec, raw: Any) -> Any:
    """The stored value of ``raw`` as an answer to ``spec``, ``None`` when empty.

    Raises :class:`AnswerError` when it is not an answer to ``spec``. Whether a required
    answer is missing is :func:`check_required`'s business (a draft may leave it empty)."""
    if spec.kind == Kind.TABLE:
        rows = _clean_table(raw, spec)
        return rows or None
    if spec.kind == Kind.MULTIPLE:
        return _clean_multiple(raw, spec) or None
    if spec.kind in (Kind.SHORT_TEXT, Kind.LONG_TEXT):
        limit = SHORT_TEXT_MAX if spec.kind == Kind.SHORT_TEXT else LONG_TEXT_MAX
        return _clean_text(raw, limit) or None
    if is_empty(raw) or (isinstance(raw, str) and not raw.strip()):
        return None
    if spec.kind == Kind.NUMBER:
        number = parse_number(raw)
        _check_range(number, spec)
        return str(number)
    if spec.kind == Kind.DATE:
        return parse_date(raw).isoformat()
    if spec.kind == Kind.YES_NO:
        return parse_yes_no(raw)
    if spec.kind == Kind.SINGLE:
        return _clean_choice(raw, spec)
    raise AnswerError(_("この種類の質問には回答できません。"))


def check_required(spec: Spec, value: Any) -> None:
    """Raise :class:`AnswerError` when ``spec`` is required and ``value`` (stored) is empty."""
    if spec.required and is_empty(value):
        raise AnswerError(_("この質問は回答が必須です。"))


def display(spec: Spec, value: Any) -> str:
    """The stored ``value`` as a person reads it (and as a condition compares it)."""
    if value is None:
        return ""
    if spec.kind == Kind.YES_NO:
        try:
            return _("はい") if parse_yes_no(value) else _("いいえ")
        except AnswerError:
            return str(value)  # a value its kind cannot read is shown as it is
    if spec.kind == Kind.DATE:
        return str(value).replace("-", "/")
    if spec.kind == Kind.MULTIPLE:
        return MULTIPLE_SEPARATOR.join(value) if isinstance(value, list) else str(value)
    if spec.kind == Kind.TABLE:
        return _("%(count)s行") % {"count": len(value)}
    return str(value)


def condition_holds(spec: Spec, value: Any, expected: str) -> bool:
    """ "Shown only when an earlier answer is ``expected``": for a multiple choice, when the
    choice is among those picked; for yes/no, はい/いいえ (or yes/no); otherwise equality."""
    if value is None:
        return False
    if spec.kind == Kind.MULTIPLE:
        return expected in value
    if spec.kind == Kind.YES_NO:
        try:
            return value == parse_yes_no(expected)
        except AnswerError:
            return False
    if spec.kind == Kind.NUMBER:
        try:
            return Decimal(value) == parse_number(expected)
        except AnswerError:
            return False
    return str(value) == _text(expected)


@dataclass(frozen=True)
class Condition:
    """Show a question only when question ``depends_on`` (a key) answered ``value``."""

    depends_on: Any
    value: str


def shown(
    questions: Sequence[tuple[Any, Spec, Condition | None]], values: Mapping[Any, Any]
) -> set[Any]:
    """The keys of the questions shown, given the answers ``values`` (key → stored value).

    A question whose condition's question is itself hidden is hidden too (its answer does
    not count), so a chain of conditions reads as the respondent sees it."""
    specs = {key: spec for key, spec, _condition in questions}
    visible: set[Any] = set()
    for key, _spec, condition in questions:
        if condition is None or (
            condition.depends_on in visible
            and condition_holds(
                specs[condition.depends_on], values.get(condition.depends_on), condition.value
            )
        ):
            visible.add(key)
    return visible


def clean_all(
    questions: Sequence[tuple[Any, Spec, Condition | None]],
    raw: Mapping[Any, Any],
    *,
    submitting: bool,
) -> tuple[dict[Any, Any], dict[Any, str]]:
    """Every answer of a response: (stored values, errors by key). A hidden question's
    answer is dropped; required answers are checked only on submission (drafts may be
    incomplete, but never malformed)."""
    values: dict[Any, Any] = {}
    errors: dict[Any, str] = {}
    for key, spec, _condition in questions:
        try:
            values[key] = clean(spec, raw.get(key))
        except AnswerError as error:
            errors[key] = str(error)
            values[key] = None
    visible = shown(questions, values)
    values = {key: value for key, value in values.items() if key in visible}
    errors = {key: message for key, message in errors.items() if key in visible}
    if submitting:
        for key, spec, _condition in questions:
            if key in visible and key not in errors:
                try:
                    check_required(spec, values.get(key))
                except AnswerError as error:
                    errors[key] = str(error)
    return values, errors


# --- designing a question -------------------------------------------------------------------


def parse_choices(text: str) -> tuple[str, ...]:
    """Choices typed one a line; blank lines and repeats dropped, order kept."""
    seen: dict[str, None] = {}
    for line in (text or "").splitlines():
        if choice := _text(line):
            seen.setdefault(choice, None)
    return tuple(seen)


def spec_errors(spec: Spec) -> list[str]:
    """What is wrong with a question's design (empty list: nothing)."""
    errors = []
    if spec.kind not in Kind.values:
        errors.append(_("質問の種類を選んでください。"))
    if spec.kind in CHOICE_KINDS and len(spec.choices) < 1:
        errors.append(_("選択肢を1つ以上、1行に1つずつ入力してください。"))
    if (
        spec.kind == Kind.NUMBER
        and spec.min_value is not None
        and spec.max_value is not None
        and spec.min_value > spec.max_value
    ):
        errors.append(_("最小値は最大値以下にしてください。"))
    if spec.kind == Kind.TABLE:
        if not spec.columns:
            errors.append(_("表の列を1つ以上定義してください。"))
        for column in spec.columns:
            if column.kind == Kind.TABLE:
                errors.append(_("表の列に表は使えません。"))
            errors += [f"{column.label}: {message}" for message in spec_errors(column)]
    return errors
