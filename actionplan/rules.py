"""Pure rules of the action plan: applicability, milestone choice, save checks and warnings.

Plain values in, plain values out — no database — so every rule is table-tested.
Error messages are Japanese and keyed by the form field they belong next to. They go through
``gettext`` when made (named placeholders, so a translation may reorder them): the reader's
language, and still no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from pmo import questions
from pmo.questions import AnswerError, Kind

NOT_STARTED, IN_PROGRESS, DONE, NOT_APPLICABLE = (
    "not_started",
    "in_progress",
    "done",
    "not_applicable",
)
STATUSES = (NOT_STARTED, IN_PROGRESS, DONE, NOT_APPLICABLE)

DATE_FIELDS = ("planned_start", "planned_end", "actual_start", "actual_end")


def applies(kinds: Sequence[str], organization_kind: str) -> bool:
    """Does a work item or task limited to ``kinds`` (empty = all) apply to this kind?"""
    return not kinds or organization_kind in kinds


@dataclass(frozen=True)
class MilestoneRule:
    due_on: dt.date
    organization_kind: str = ""
    municipality_class: str = ""


def choose_milestone(
    milestones: Iterable[MilestoneRule], organization_kind: str, municipality_class: str = ""
) -> dt.date | None:
    """The most specific milestone that fits: class > kind > default (both blank)."""
    best: tuple[int, dt.date] | None = None
    for rule in milestones:
        if rule.organization_kind and rule.organization_kind != organization_kind:
            continue
        if rule.municipality_class and rule.municipality_class != municipality_class:
            continue
        score = (2 if rule.municipality_class else 0) + (1 if rule.organization_kind else 0)
        if best is None or score > best[0]:
            best = (score, rule.due_on)
    return best[1] if best else None


# The kinds completion items had before they took the survey desk's (pmo.questions): still read
# in a programme definition written then (migration 0006 renamed the stored ones).
LEGACY_KINDS = {"choice": Kind.SINGLE, "text": Kind.LONG_TEXT}
# A completion item's yes/no answer is stored as these words (as it always was), not as the
# survey desk's True/False: the plan's history and its sheets hold them.
YES, NO = "yes", "no"


def kind_of(kind: str) -> str:
    """A completion item's kind as :mod:`pmo.questions` names it."""
    return LEGACY_KINDS.get(kind, kind)


@dataclass(frozen=True)
class Question:
    """A completion item as the rules see it. ``key`` is the key in the answers mapping;
    ``kind`` one of :class:`pmo.questions.Kind` but a table (or a legacy name, see
    :data:`LEGACY_KINDS`)."""

    key: str
    label: str
    kind: str = Kind.LONG_TEXT
    required: bool = True
    choices: tuple[str, ...] = ()
    unit: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None

    @property
    def spec(self) -> questions.Spec:
        return questions.Spec(
            kind=kind_of(self.kind),
            label=self.label,
            required=self.required,
            choices=self.choices,
            unit=self.unit,
            min_value=questions.normal_number(self.min_value),
            max_value=questions.normal_number(self.max_value),
        )


@dataclass(frozen=True)
class EntryValues:
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    actual_start: dt.date | None = None
    actual_end: dt.date | None = None
    status: str = NOT_STARTED
    not_applicable_reason: str = ""
    progress: int = 0
    remarks: str = ""
    completion: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    today: dt.date
    span_start: dt.date
    span_end: dt.date
    questions: tuple[Question, ...] = ()


def _fmt(day: dt.date) -> str:
    return day.strftime("%Y/%m/%d")


def validate(values: EntryValues, context: Context) -> dict[str, str]:
    """Problems that refuse a save, as ``{field: Japanese message}`` (empty = fine)."""
    errors: dict[str, str] = {}
    if values.status not in STATUSES:
        errors["status"] = _("状況を選んでください。")
    for name in DATE_FIELDS:
        day = getattr(values, name)
        if day is not None and not (context.span_start <= day <= context.span_end):
            errors[name] = _(
                "プログラムの期間（%(start)s〜%(end)s）内の日付を入力してください。"
            ) % {"start": _fmt(context.span_start), "end": _fmt(context.span_end)}
    for name in ("actual_start", "actual_end"):
        day = getattr(values, name)
        if day is not None and day > context.today and name not in errors:
            errors[name] = _("実績の日付に未来の日付は入力できません。")
    _check_order(values, errors)
    if not 0 <= values.progress <= 100:
        errors["progress"] = _("進捗率は0から100の整数で入力してください。")
    if values.status == DONE:
        _check_done(values, context, errors)
    if values.status == NOT_APPLICABLE and not values.not_applicable_reason.strip():
        errors["not_applicable_reason"] = _("対象外とする理由を入力してください。")
    if values.status in (IN_PROGRESS, DONE) and values.actual_start is None:
        errors.setdefault("actual_start", _("実施中・完了のときは実績開始日を入力してください。"))
    return errors


def _check_order(values: EntryValues, errors: dict[str, str]) -> None:
    pairs = (
        (
            "planned_start",
            "planned_end",
            _("計画終了日は計画開始日（%(start)s）以降にしてください。"),
        ),
        (
            "actual_start",
            "actual_end",
            _("実績終了日は実績開始日（%(start)s）以降にしてください。"),
        ),
    )
    for start_name, end_name, message in pairs:
        start, end = getattr(values, start_name), getattr(values, end_name)
        if start and end and end < start and end_name not in errors:
            errors[end_name] = message % {"start": _fmt(start)}


def _check_done(values: EntryValues, context: Context, errors: dict[str, str]) -> None:
    if values.actual_end is None:
        errors.setdefault("actual_end", _("完了にするには実績終了日を入力してください。"))
    for question in context.questions:
        problem = answer_problem(question, values.completion.get(question.key))
        if problem:
            errors[f"c_{question.key}"] = problem


def stored_answer(question: Question, raw: Any) -> Any:
    """``raw`` (typed in the plan form or a sheet's cell, or stored before) as the plan stores
    it: :func:`pmo.questions.clean`'s value, yes/no as :data:`YES`/:data:`NO`; ``None`` when
    empty. Raises :class:`~pmo.questions.AnswerError` with the shared message."""
    value = questions.clean(question.spec, raw)
    if isinstance(value, bool):
        return YES if value else NO
    return value


def labelled(question: Question, error: AnswerError | str) -> str:
    """The shared message of a bad answer, naming the item (a sheet lists them far from it)."""
    return _("「%(label)s」: %(message)s") % {"label": question.label, "message": error}


def answer_problem(question: Question, answer: object) -> str:
    """Why ``answer`` does not answer ``question`` when the task is completed ('' when it
    does): read by :func:`pmo.questions.clean` and :func:`~pmo.questions.check_required`,
    with the completion's own sentence for a missing answer."""
    spec = question.spec
    try:
        value = questions.clean(spec, answer)
    except AnswerError as error:
        return labelled(question, error)
    try:
        questions.check_required(spec, value)
    except AnswerError:
        return _("完了にするには「%(label)s」を入力してください。") % {"label": question.label}
    return ""


@dataclass(frozen=True)
class Dependency:
    """A prerequisite task as this organisation stands on it (for G, on the same system)."""

    name: str
    planned_end: dt.date | None
    status: str = NOT_STARTED


# How far along a status is, for the "least progressed" of several entries of one task.
_PROGRESS = {NOT_STARTED: 0, IN_PROGRESS: 1, DONE: 2}


def combine(name: str, entries: Iterable[EntryValues]) -> Dependency:
    """One prerequisite from all its entries (G テスト over every target system, as F needs):
    the latest planned end and the least progressed status; 対象外 entries do not count."""
    counted = [entry for entry in entries if entry.status != NOT_APPLICABLE]
    if not counted:
        return Dependency(name, None, DONE)  # nothing to wait for
    ends = [entry.planned_end for entry in counted if entry.planned_end]
    status = min((entry.status for entry in counted), key=_PROGRESS.__getitem__)
    return Dependency(name, max(ends) if ends else None, status)


def warnings(
    values: EntryValues, milestone: dt.date | None, dependencies: Iterable[Dependency] = ()
) -> list[str]:
    """Things worth a second look that do not refuse the save."""
    found: list[str] = []
    if milestone and values.planned_end and values.planned_end > milestone:
        days = (values.planned_end - milestone).days
        found.append(
            _("計画終了がマイルストーン（%(milestone)s）より%(days)s日遅れています。")
            % {"milestone": _fmt(milestone), "days": days}
        )
    for dependency in dependencies:
        found.extend(_dependency_warnings(values, dependency))
    return found


def _dependency_warnings(values: EntryValues, dependency: Dependency) -> list[str]:
    """Out of order by status (a test done before its build started) and by plan dates."""
    found = []
    here, there = _PROGRESS.get(values.status), _PROGRESS.get(dependency.status, 2)
    if here is not None and here > there:
        # Whole sentences, not pieces, so each can be translated as a sentence.
        if dependency.status == NOT_STARTED:
            message = (
                _("前提タスク「%(name)s」が未着手なのに完了になっています。")
                if values.status == DONE
                else _("前提タスク「%(name)s」が未着手なのに実施中になっています。")
            )
        else:
            message = (
                _("前提タスク「%(name)s」が完了前なのに完了になっています。")
                if values.status == DONE
                else _("前提タスク「%(name)s」が完了前なのに実施中になっています。")
            )
        found.append(message % {"name": dependency.name})
    end = dependency.planned_end
    if values.planned_start and end and values.planned_start < end:
        found.append(
            _("前提タスク「%(name)s」の計画終了（%(end)s）より前に開始する計画です。")
            % {"name": dependency.name, "end": _fmt(end)}
        )
    return found
