"""The results of a survey: counts and charts per choice question, statistics per number
question, the answers table, over the organisations the filters keep, as of any past day.

The results are counted in the database from :class:`~surveys.models.ResultValue` (one row
per submitted answer, written by the answering service), grouped by question and choice: a
fixed number of queries, each one pass over the survey's rows, whatever the number of
organisations. The answers table is paged; its cells come from the kept revisions of the
page's organisations.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, Exists, F, Max, Min, OuterRef, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.models import MunicipalityClass, Organization, OrganizationKind
from pmo import questions as kinds
from surveys import rules, tally
from surveys.models import Question, ResponseStatus, ResultValue, Revision

ANSWERED = ResponseStatus.SUBMITTED


def end_of(day: dt.date) -> dt.datetime:
    """The end of ``day`` in Asia/Tokyo (the first moment of the next day)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def counted(responses, as_of: dt.date | None = None):
    """The responses the results count: submitted now, or (``as_of``) submitted by the end of
    that day, even if sent back or changed since."""
    if as_of is None:
        return responses.filter(status=ANSWERED)
    submitted = Revision.objects.filter(response=OuterRef("pk"), submitted_at__lt=end_of(as_of))
    return responses.filter(Exists(submitted))


def held(as_of: dt.date | None = None):
    """The result rows that held now, or at the end of ``as_of``."""
    if as_of is None:
        return ResultValue.objects.filter(superseded_at__isnull=True)
    end = end_of(as_of)
    return ResultValue.objects.filter(submitted_at__lt=end).filter(
        Q(superseded_at__isnull=True) | Q(superseded_at__gte=end)
    )


@dataclass
class Submission:
    """A response's submission shown in the results: its values by question id, when and by
    whom it was submitted."""

    values: dict[int, Any]
    submitted_at: dt.datetime
    submitted_by: str


def submissions(response_ids, as_of: dt.date | None = None) -> dict[int, Submission]:
    """The submission each response last made (by the end of ``as_of``, Asia/Tokyo, when
    given), by response id: read from the kept revisions, so a draft saved after submitting
    never shows in the results. One query; for a page or a chunk of ids."""
    revisions = Revision.objects.filter(response_id__in=response_ids)
    if as_of is not None:
        revisions = revisions.filter(submitted_at__lt=end_of(as_of))
    found: dict[int, Submission] = {}
    for response_id, values, at, by in revisions.order_by("response_id", "-number").values_list(
        "response_id", "values", "submitted_at", "submitted_by__display_name"
    ):
        if response_id not in found:
            values = {int(key): value for key, value in values.items()}
            found[response_id] = Submission(values, at, by or "")
    return found


def submitted_values(response_ids, as_of: dt.date | None = None) -> dict[int, dict[int, Any]]:
    """The values of :func:`submissions`, by response id then question id. One query."""
    return {pk: found.values for pk, found in submissions(response_ids, as_of).items()}


def plain_number(value: Decimal | None) -> Decimal | None:
    """3.000000000000 → 3, 0.500000000000 → 0.5: the stored decimal as people write it."""
    if value is None:
        return None
    value = Decimal(str(value))
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


@dataclass
class Bar:
    """One choice of a question's chart: its label, how many picked it, and its share of the
    organisations that answered the question (a multiple choice's shares may add past 100%)."""

    label: str
    count: int
    key: str  # the answer filter's value: <question id>:<choice key>
    share: float

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.1f}"


@dataclass
class QuestionResult:
    question: Question
    counts: list[tuple[str, int]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    stats: dict | None = None
    answered: int = 0

    @property
    def bars(self) -> list[Bar]:
        return [
            Bar(
                label, count, f"{self.question.pk}:{key}", rules.response_rate(count, self.answered)
            )
            for (label, count), key in zip(self.counts, self.keys, strict=True)
        ]


def choices_of(question: Question) -> list[tuple[str, str]]:
    """(filter key, label) of each choice of a single, multiple or yes/no question."""
    if question.kind == kinds.Kind.YES_NO:
        spec = question.spec()
        return [
            (tally.YES, str(kinds.display(spec, True))),
            (tally.NO, str(kinds.display(spec, False))),
        ]
    return [(choice, choice) for choice in question.choice_list]


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_disc``: the first value whose share of the ordered values
    reaches ``fraction``; an exact value of the column, never an interpolated float."""

    function = "percentile_disc"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: str, **extra):
        super().__init__(expression, fraction=fraction, **extra)


# The two middle values of n numbers (one when n is odd): the value at the half, and the next
# one when n is even (a fraction just past the half: below 1/n for any n under 10^9).
MIDDLE = ("0.5", "0.500000001")


def _medians_by_window(rows, number_ids: list[int]) -> dict[int, Decimal]:
    """Each number question's median where the database has no percentile (SQLite): the rows
    ranked by value, only the middle one or two returned. One query."""
    partition = [F("question_id")]
    ranked = (
        rows.filter(question_id__in=number_ids, number__isnull=False)
        .annotate(
            position=Window(
                RowNumber(), partition_by=partition, order_by=[F("number").asc(), F("pk").asc()]
            ),
            n=Window(Count("pk"), partition_by=partition),
        )
        .filter(Q(position=(F("n") + 1) / 2) | Q(position=(F("n") + 2) / 2))
        .values_list("question_id", "number")
    )
    middles: dict[int, list[Decimal]] = {}
    for question_id, number in ranked:
        middles.setdefault(question_id, []).append(Decimal(str(number)))
    return {key: sum(found, Decimal(0)) / len(found) for key, found in middles.items()}


def _number_stats(rows, number_ids: list[int]) -> dict[int, dict]:
    """Count, sum, mean, min, max and median of each number question's rows. One query (a
    sort of the number rows alone: with the choices' counts it sorted every row, to disk),
    and one more for the medians where the database has no percentile (SQLite)."""
    if not number_ids:
        return {}
    numbers = rows.filter(question_id__in=number_ids, number__isnull=False)
    figures = {"n": Count("pk"), "low": Min("number"), "high": Max("number")}
    figures["total"] = Sum("number")
    percentile = connection.vendor == "postgresql"
    if percentile:
        figures |= {
            f"middle{n}": Percentile("number", fraction) for n, fraction in enumerate(MIDDLE)
        }
    found = {}
    medians = {}
    for group in numbers.values("question_id").annotate(**figures).order_by():
        total = Decimal(str(group["total"]))
        found[group["question_id"]] = {
            "count": group["n"],
            "sum": plain_number(total),
            "mean": total / group["n"],
            "min": plain_number(group["low"]),
            "max": plain_number(group["high"]),
        }
        if percentile:
            medians[group["question_id"]] = (group["middle0"] + group["middle1"]) / 2
    if found and not percentile:
        medians = _medians_by_window(rows, list(found))
    for question_id, median in medians.items():
        found[question_id]["median"] = plain_number(median)
    return found


EMPTY_STATS = {"count": 0, "sum": None, "mean": None, "min": None, "max": None, "median": None}


def results(
    questions: list[Question], responses, as_of: dt.date | None = None
) -> list[QuestionResult]:
    """Counts per choice, statistics per number question, answered per question, over the
    ``responses`` counted (:func:`counted`), as they stood at the end of ``as_of`` when given.
    Two queries on PostgreSQL (three on SQLite): the rows counted by question and choice, and
    the number questions' figures (:func:`_number_stats`)."""
    # By response, not by question: the plan then walks the survey's responses and each one's
    # rows (resultvalue_current), whatever the planner guesses of their number; a filter on
    # the question ids made it intersect each response's rows with every row of the questions.
    rows = held(as_of).filter(response__in=counted(responses, as_of).values("pk"))
    grouped = (
        rows.values_list("question_id", "choice")
        .annotate(picked=Count("pk"), first=Count("pk", filter=Q(first=True)))
        .order_by()
    )
    picked: dict[tuple[int, str], int] = {}
    answered: Counter[int] = Counter()
    for question_id, choice, n, first in grouped:
        picked[question_id, choice] = n
        answered[question_id] += first
    stats = _number_stats(rows, [q.pk for q in questions if q.kind == kinds.Kind.NUMBER])
    found = []
    for question in questions:
        result = QuestionResult(question, answered=answered[question.pk])
        if question.kind in tally.CHOICE_KINDS:
            for key, label in choices_of(question):
                result.counts.append((label, picked.get((question.pk, key), 0)))
                result.keys.append(key)
        elif question.kind == kinds.Kind.NUMBER:
            result.stats = stats.get(question.pk, EMPTY_STATS)
        found.append(result)
    return found


def answers_table(questions: list[Question], page_responses, as_of: dt.date | None = None):
    """(response, [cell text per question]) for one page of the answers table. One query."""
    values = submitted_values([r.pk for r in page_responses], as_of)
    specs = [(q.pk, q.spec()) for q in questions]  # once, not once a cell
    return [
        (
            response,
            [kinds.display(spec, values.get(response.pk, {}).get(pk)) for pk, spec in specs],
        )
        for response in page_responses
    ]


# --- filters of the results page -------------------------------------------------------------

CLASS_CHOICES = [("prefecture", OrganizationKind.PREFECTURE.label), *MunicipalityClass.choices]


def prefectures():
    return Organization.objects.filter(kind=OrganizationKind.PREFECTURE).order_by("code")


def answer_options(questions: list[Question]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The answer filter's choices, by question: (question label, [(value, choice label)]);
    a value is ``<question id>:<choice key>``."""
    return [
        (
            f"{number}. {question.text}",
            [(f"{question.pk}:{key}", label) for key, label in choices_of(question)],
        )
        for number, question in enumerate(questions, start=1)
        if question.kind in tally.CHOICE_KINDS
    ]


@dataclass
class ResultFilter:
    """The results page's filters (also the CSV's): a prefecture (its code), an organisation
    class, an answer (organisations whose answer to a choice question is this choice), and
    the day the results are as of. A value that names nothing is dropped, never an error;
    a date that is no date is reported (``as_of_error``)."""

    prefecture: str = ""
    kind: str = ""
    answer: str = ""
    as_of: dt.date | None = None
    as_of_text: str = ""
    as_of_error: str = ""

    @classmethod
    def from_query(cls, query, questions: Sequence[Question] = ()) -> ResultFilter:
        prefecture = (query.get("prefecture") or "").strip()
        kind = (query.get("class") or "").strip()
        if kind not in dict(CLASS_CHOICES):
            kind = ""
        answer = (query.get("answer") or "").strip()
        if answer not in {
            value for _q, options in answer_options(list(questions)) for value, _l in options
        }:
            answer = ""
        as_of_text = (query.get("as_of") or "").strip()
        as_of, error = parse_as_of(as_of_text)
        return cls(
            prefecture=prefecture if prefecture.isdigit() else "",
            kind=kind,
            answer=answer,
            as_of=as_of,
            as_of_text=as_of_text,
            as_of_error=error,
        )

    @property
    def answer_key(self) -> tuple[int, str] | None:
        if not self.answer:
            return None
        question_id, key = self.answer.split(":", 1)
        return int(question_id), key

    def apply(self, responses):
        if self.prefecture:
            responses = responses.filter(
                Q(organization__prefecture__code=self.prefecture)
                | Q(organization__code=self.prefecture)
            )
        if self.kind == "prefecture":
            responses = responses.filter(organization__kind=OrganizationKind.PREFECTURE)
        elif self.kind:
            responses = responses.filter(organization__municipality_class=self.kind)
        if found := self.answer_key:
            question_id, key = found
            chose = held(self.as_of).filter(question_id=question_id, choice=key)
            responses = responses.filter(pk__in=chose.values("response_id"))
        return responses


def parse_as_of(text: str) -> tuple[dt.date | None, str]:
    """The results' 時点 (a past day, 2015/07/09 or 2015-07-09), or (None, message)."""
    if not text:
        return None, ""
    try:
        day = kinds.parse_date(text)
    except kinds.AnswerError as error:
        return None, str(error)
    today = timezone.localdate()
    if day > today:
        return None, _(
            "%(day)s は未来の日付です。今日（%(today)s）までの日付を指定してください。"
        ) % {
            "day": f"{day:%Y/%m/%d}",
            "today": f"{today:%Y/%m/%d}",
        }
    return day, ""
