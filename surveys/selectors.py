"""Reads of the survey desk: lists, the answer form's items, tracking (the results are in
:mod:`surveys.results`).

Each list is a fixed number of queries whatever the number of organisations: tracking groups
the response rows in the database (one query per table), never one query per organisation.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, Q, When

from accounts import permissions
from orgs.models import MunicipalityClass, Organization, OrganizationKind
from pmo import questions as kinds
from surveys import rules
from surveys.models import Question, Response, ResponseStatus, Survey

ANSWERED = ResponseStatus.SUBMITTED


def surveys_to_answer(user):
    """The published surveys the user's organisation answers, with its response."""
    if not user.organization_id:
        return Response.objects.none()
    return (
        permissions.visible(user, Response.objects.all(), permissions.ANSWER_SURVEY)
        .select_related("survey__issuer")
        .order_by("survey__closes_on", "survey_id")
    )


def issued_surveys(user):
    """The surveys the user follows as issuer (the coordinator: all), with their figures."""
    return (
        permissions.visible(user, Survey.objects.all(), permissions.TRACK_SURVEY)
        .select_related("issuer")
        .annotate(
            expected=Count("responses"),
            answered=Count("responses", filter=Q(responses__status=ANSWERED)),
        )
        .order_by("-opens_on", "-pk")
    )


def relayed_surveys(user):
    """Surveys via the prefectures whose municipalities' responses the user relays."""
    responses = permissions.visible(user, Response.objects.all(), permissions.RELAY_SURVEY)
    return (
        Survey.objects.filter(pk__in=responses.values("survey_id"))
        .select_related("issuer")
        .order_by("-opens_on", "-pk")
    )


@dataclass
class Item:
    """One question on the answer form: its current (or typed) value and its error."""

    question: Question
    spec: kinds.Spec
    value: Any = None
    error: str = ""
    hidden: bool = False
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"q{self.question.pk}"

    @property
    def condition(self) -> tuple[str, str, str] | None:
        """(question id, expected value as the inputs carry it, kind) for answer.js."""
        question = self.question
        if question.shown_if is None:
            return None
        kind = question.shown_if.kind
        expected = question.shown_value.strip()
        if kind == kinds.Kind.YES_NO:
            with contextlib.suppress(kinds.AnswerError):  # then it never holds
                expected = "yes" if kinds.parse_yes_no(expected) else "no"
        return str(question.shown_if_id), expected, kind

    @property
    def input_value(self) -> Any:
        """What the input shows: the typed text after an error, else the stored value as
        typed (2015/07/09; yes/no for the radio buttons)."""
        value = self.value
        if isinstance(value, bool):
            return "yes" if value else "no"
        if self.spec.kind == kinds.Kind.DATE and isinstance(value, str):
            return value.replace("-", "/")
        if self.spec.kind == kinds.Kind.MULTIPLE:
            return value or []
        return "" if value is None else value


BLANK_ROWS = 3


def answer_items(questions, values: dict, errors: dict | None = None) -> list[Item]:
    specs = [(q.pk, q.spec(), q.condition()) for q in questions]
    cleaned = {}
    for key, spec, _condition in specs:
        try:
            cleaned[key] = kinds.clean(spec, values.get(key))
        except kinds.AnswerError:
            cleaned[key] = None
    visible = kinds.shown(specs, cleaned)
    items = []
    for question, (key, spec, _condition) in zip(questions, specs, strict=True):
        item = Item(question, spec, values.get(key), (errors or {}).get(key, ""))
        item.hidden = key not in visible
        if spec.kind == kinds.Kind.TABLE:
            rows = [list(row) for row in (item.value or [])]
            width = len(spec.columns)
            item.rows = [row + [None] * (width - len(row)) for row in rows]
            item.rows += [[None] * width for _ in range(BLANK_ROWS)]
        items.append(item)
    return items


def raw_answers(questions, post) -> dict[int, Any]:
    """What the respondent typed, by question id, from the answer form's POST."""
    raw: dict[int, Any] = {}
    for question in questions:
        name = f"q{question.pk}"
        if question.kind == kinds.Kind.MULTIPLE:
            raw[question.pk] = post.getlist(name)
        elif question.kind == kinds.Kind.TABLE:
            rows = []
            for index in range(int(post.get(f"{name}-rows", 0) or 0)):
                rows.append(
                    [post.get(f"{name}-{index}-{col}", "") for col in range(len(question.columns))]
                )
            raw[question.pk] = rows
        else:
            raw[question.pk] = post.get(name, "")
    return raw


# --- tracking ---------------------------------------------------------------------------------


@dataclass
class Rate:
    label: str
    expected: int
    answered: int
    draft: int
    confirmed: bool | None = None

    @property
    def rate(self) -> float:
        return rules.response_rate(self.answered, self.expected)

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}"


def _counts(responses, key: str):
    return responses.values(key).annotate(
        expected=Count("pk"),
        answered=Count("pk", filter=Q(status=ANSWERED)),
        draft=Count("pk", filter=Q(status__in=[ResponseStatus.DRAFT, ResponseStatus.RETURNED])),
    )


def rates_by_prefecture(survey: Survey, responses) -> list[Rate]:
    """Per prefecture (a prefecture's own response counted with its municipalities); with the
    prefecture's 取りまとめ state when the survey goes via the prefectures. Three queries."""
    prefecture = Case(
        When(organization__kind=OrganizationKind.PREFECTURE, then=F("organization_id")),
        default=F("organization__prefecture_id"),
    )
    rows = list(_counts(responses.annotate(pref=prefecture), "pref").order_by("pref"))
    names = dict(
        Organization.objects.filter(pk__in=[row["pref"] for row in rows]).values_list("pk", "name")
    )
    confirmed = set(survey.batches.values_list("prefecture_id", flat=True))
    return [
        Rate(
            names.get(row["pref"], "—"),
            row["expected"],
            row["answered"],
            row["draft"],
            (row["pref"] in confirmed) if survey.via_prefectures else None,
        )
        for row in rows
    ]


def rates_by_class(responses) -> list[Rate]:
    labels = {"": OrganizationKind.PREFECTURE.label, **dict(MunicipalityClass.choices)}
    rows = _counts(responses, "organization__municipality_class").order_by(
        "organization__municipality_class"
    )
    return [
        Rate(
            str(labels.get(row["organization__municipality_class"], "—")),
            row["expected"],
            row["answered"],
            row["draft"],
        )
        for row in rows
    ]


def not_answered(responses):
    return (
        responses.exclude(status=ANSWERED)
        .select_related("organization__prefecture")
        .order_by("organization__code")
    )


def submitted_late(survey: Survey, responses):
    """Submitted after the closing date (Asia/Tokyo), reopened ones: shown apart."""
    return (
        responses.filter(status=ANSWERED, submitted_at__date__gt=survey.closes_on)
        .select_related("organization__prefecture")
        .order_by("organization__code")
    )
