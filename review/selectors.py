"""Reads the review pages share: who sees which part of the national picture (:class:`Scope`),
the late list (open flags, or grouped by organisation), an organisation's delays, the
follow-ups and the plan checks. Every list is one query plus fixed extras.

The pages' own reads are in rooms of their own: :mod:`review.todos` (TOP), :mod:`review.assigned`
(a reviewer's 担当), :mod:`review.not_begun` (who hasn't started), :mod:`review.coverage` (what
an approval covers), :mod:`review.by_organization` (from the per-organisation rollup).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)

from accounts import permissions
from accounts.permissions import VIEW
from actionplan.models import Programme, WorkItem
from orgs.models import Organization, OrganizationKind
from pmo import wareki
from review import rules
from review.models import (
    NEEDS_FOLLOW_UP,
    DelayFlag,
    FollowUp,
    MinistryReview,
    OrganizationRollup,
    PlanCheck,
    Rule,
)


@dataclass(frozen=True)
class Scope:
    """The part of the national picture a user reviews: one prefecture (prefecture admins)
    and/or some work items (reviewers: those their bureau is responsible for)."""

    prefecture_id: int | None = None
    work_item_ids: list[int] | None = None

    def q(self, prefix: str = "") -> Q:
        query = Q()
        if self.prefecture_id is not None:
            query &= Q(**{f"{prefix}prefecture_id": self.prefecture_id})
        if self.work_item_ids is not None:
            query &= Q(**{f"{prefix}work_item_id__in": self.work_item_ids})
        return query


def scope_for(user, programme: Programme) -> Scope:
    if (prefecture_id := permissions.national_prefecture_id(user)) is not None:
        return Scope(prefecture_id=prefecture_id)
    # The work items come from the one door, which narrows writes by the same rule.
    return Scope(work_item_ids=permissions.work_item_ids(user, programme))


def work_items(programme: Programme, scope: Scope) -> list[WorkItem]:
    items = WorkItem.objects.filter(programme=programme)
    if scope.work_item_ids is not None:
        items = items.filter(pk__in=scope.work_item_ids)
    return list(items.order_by("order", "code"))


def prefectures(scope: Scope) -> list[Organization]:
    items = Organization.objects.filter(kind=OrganizationKind.PREFECTURE)
    if scope.prefecture_id is not None:
        items = items.filter(pk=scope.prefecture_id)
    return list(items.order_by("code"))


def days_late(on: dt.date):
    """SQL for today's days late: today − since for growing flags, else the stored days."""
    return Case(
        When(since_ordinal__isnull=False, then=Value(on.toordinal()) - F("since_ordinal")),
        default=F("days_late"),
        output_field=IntegerField(),
    )


class DaysBefore(Func):
    """``day − days`` as a date in SQL (Postgres: date − integer; SQLite: date())."""

    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="date(%(expressions)s || ' days')",
            arg_joiner=", '-' || ",
        )


def flag_due_on():
    """SQL for a flag's 期日: the date its days late count from (days = X − 期日). For the
    growing flags that is ``since`` (計画入力期限, 計画開始, 計画終了, マイルストーン); a plan
    ending after the milestone and a milestone missed by a finished entry measure against
    the milestone, which is the entry's end less the stored days."""
    return Case(
        When(since__isnull=False, then=F("since")),
        When(
            rule=rules.PLAN_AFTER_MILESTONE,
            then=DaysBefore(F("entry__planned_end"), F("days_late")),
        ),
        When(
            rule=rules.MILESTONE_MISSED,
            then=DaysBefore(F("entry__actual_end"), F("days_late")),
        ),
        default=Value(None),
        output_field=DateField(),
    )


def fiscal_years(programme: Programme) -> list[tuple[int, str]]:
    """The 年度 filter's choices: every fiscal year the programme's span touches, labelled
    ``2015年度（平成27年度）``."""
    years = wareki.fiscal_years_between(programme.starts_on, programme.ends_on)
    return [(year, wareki.fiscal_year_choice(year)) for year in years]


def follow_up_state(programme: Programme, organization_ref: str = "organization"):
    """The state of the organisation's latest follow-up (a correlated subquery)."""
    return Subquery(
        FollowUp.objects.filter(organization=OuterRef(organization_ref), programme=programme)
        .order_by("-created_at", "-pk")
        .values("state")[:1]
    )


def late_flags(user, programme: Programme, scope: Scope, on: dt.date):
    """Open flags the user may see, with today's days and the follow-up state annotated."""
    flags = DelayFlag.objects.open().filter(work_item__programme=programme)
    if scope.work_item_ids is not None:
        flags = flags.filter(work_item_id__in=scope.work_item_ids)
    if scope.prefecture_id is not None:  # copied on the flag: not an OR across a join
        flags = flags.filter(prefecture_id=scope.prefecture_id)
    return (
        permissions.visible(user, flags, VIEW)
        .select_related("organization__prefecture", "work_item", "entry__task", "entry__system")
        .annotate(days=days_late(on), follow_up=follow_up_state(programme))
    )


@dataclass
class OrganizationCounts:
    """Organisations (団体, not flags) with at least one open 要フォローアップ flag: per work
    item, per prefecture (a prefecture's own flags count under it) and in all. An
    organisation late on two work items is one organisation in the total."""

    by_work_item: dict[int, int]
    by_prefecture: dict[int, int]
    total: int


def flag_counts() -> dict:
    """Per-organisation counts of open flags: all (``n``), needing a follow-up (``s``: long
    enough and not approved), approved (``a``). For ``.values(...).annotate(**flag_counts())``."""
    return {
        "n": Count("pk"),
        "s": Count("pk", filter=NEEDS_FOLLOW_UP),
        "a": Count("pk", filter=Q(approved=True)),
    }


def rules_by_organization(flags, organization_ids=None) -> dict[int, set[str]]:
    """The rules of ``flags`` per organisation (one query, a row per organisation × rule),
    for the given organisations or all."""
    if organization_ids is not None:
        flags = flags.filter(organization_id__in=organization_ids)
    found: dict[int, set[str]] = defaultdict(set)
    for org_id, rule in (
        flags.order_by()  # else the model's ordering joins the DISTINCT: one row per flag
        .values_list("organization_id", "rule")
        .distinct()
    ):
        found[org_id].add(rule)
    return found


def latest_follow_ups(organization_ids, programme: Programme) -> dict[int, str]:
    """The state of each organisation's latest follow-up in ``programme`` (one query)."""
    latest: dict[int, str] = {}
    for org_id, state in (
        FollowUp.objects.filter(organization_id__in=organization_ids, programme=programme)
        .order_by("organization_id", "created_at", "pk")
        .values_list("organization_id", "state")
    ):
        latest[org_id] = state
    return latest


@dataclass
class LateOrganization:
    """One late organisation, as the late list by organisation and the meeting report show
    it: its open flags, those needing a follow-up and those approved, its worst days late,
    the rules of the flags listed (codes; the report lists those needing a follow-up) and
    the state of its latest follow-up."""

    organization: Organization
    flags: int = 0
    significant: int = 0
    approved: int = 0
    worst: int = 0
    rules: set[str] = field(default_factory=set)
    follow_up: str | None = None

    @property
    def rule_labels(self) -> list[str]:
        """The rules' names, in the rules' order."""
        labels = dict(Rule.choices)
        return [str(labels[rule]) for rule in rules.RULES if rule in self.rules]


# The late list's sorts, by organisation (the default, as for flags: organisation code).
GROUPED_SORTS = {
    "prefecture": ("organization__prefecture__code", "organization__code"),
    "days": ("-worst", "organization__code"),
    "-days": ("worst", "organization__code"),
}


def late_organizations(
    flags, programme: Programme, number, *, sort: str = "", per_page: int = 50, first=None
) -> Page:
    """The (filtered) open flags grouped by organisation: who is late, by how much and by
    which rules, with the follow-up state. Four queries a page: the grouped page, its
    organisations, their rules, their latest follow-ups."""
    grouped = (
        flags.order_by()
        .values("organization_id")
        .annotate(**flag_counts(), worst=Max("days"))
        .order_by(
            *([first] if first is not None else []),  # a reviewer's 担当 first
            *GROUPED_SORTS.get(sort, ("organization__code",)),
        )
    )
    page = Paginator(grouped, per_page).get_page(number)
    rows = list(page.object_list)
    ids = [row["organization_id"] for row in rows]
    organizations = Organization.objects.select_related("prefecture").in_bulk(ids)
    found_rules = rules_by_organization(flags, ids)
    latest = latest_follow_ups(ids, programme)
    page.object_list = [
        LateOrganization(
            organizations[row["organization_id"]],
            row["n"],
            row["s"],
            row["a"],
            row["worst"] or 0,
            set(found_rules[row["organization_id"]]),
            latest.get(row["organization_id"]),
        )
        for row in rows
    ]
    return page


@dataclass
class OrgLine:
    organization: Organization
    entries: int = 0
    finished: int = 0
    flags: int = 0
    significant: int = 0
    approved: int = 0
    follow_up: str | None = None

    @property
    def rate(self) -> float | None:
        return round(self.finished * 100 / self.entries, 1) if self.entries else None


@dataclass(frozen=True)
class PrefectureSummary:
    """The prefecture page's headline, from its lines (no query): organisations (団体),
    entries (計画の行) and flags (判定) apart."""

    organizations: int
    late_organizations: int  # with any open flag
    significant_organizations: int  # with an open 要フォローアップ flag
    entries: int
    finished: int
    flags: int
    significant: int
    approved: int

    @property
    def rate(self) -> float | None:
        return round(self.finished * 100 / self.entries, 1) if self.entries else None

    @classmethod
    def of(cls, lines: list[OrgLine]) -> PrefectureSummary:
        return cls(
            organizations=len(lines),
            late_organizations=sum(1 for line in lines if line.flags),
            significant_organizations=sum(1 for line in lines if line.significant),
            entries=sum(line.entries for line in lines),
            finished=sum(line.finished for line in lines),
            flags=sum(line.flags for line in lines),
            significant=sum(line.significant for line in lines),
            approved=sum(line.approved for line in lines),
        )


def count_flags(lines: dict, programme, scope) -> None:
    """Each line's open flags (all, needing follow-up, approved) within the scope's work
    items, from the per-organisation rollup, and its latest follow-up state: two queries
    whatever the number of lines."""
    cells = OrganizationRollup.objects.filter(
        programme=programme, organization_id__in=list(lines), flags__gt=0
    )
    if scope.work_item_ids is not None:
        cells = cells.filter(work_item_id__in=scope.work_item_ids)
    for org_id, n, significant, approved in (
        cells.values("organization_id")
        .annotate(n=Sum("flags"), s=Sum("significant"), a=Sum("approved"))
        .values_list("organization_id", "n", "s", "a")
        .order_by()
    ):
        line = lines[org_id]
        line.flags, line.significant, line.approved = n, significant, approved
    for org_id, state in latest_follow_ups(list(lines), programme).items():
        lines[org_id].follow_up = state


def organization_flags(organization: Organization, programme: Programme, on: dt.date):
    return (
        DelayFlag.objects.open()
        .filter(organization=organization, work_item__programme=programme)
        .select_related("work_item", "entry__task", "entry__system")
        .annotate(days=days_late(on))
        .order_by("work_item__order", "entry__task__order", "rule")
    )


def follow_ups_for(user, programme: Programme):
    """Follow-ups the user may see: the organisation side sees its own."""
    return (
        permissions.visible(user, FollowUp.objects.filter(programme=programme), VIEW)
        .select_related("organization__prefecture", "work_item", "opened_by_organization")
        .annotate(note_count=Count("notes"))
        .order_by("-updated_at")
    )


def checks_for(user, programme: Programme):
    """The check flow's worklist: the coordinator's checks to do, a ministry's reviews."""
    if permissions.can(user, permissions.ANSWER_AS_MINISTRY):
        return (
            MinistryReview.objects.filter(
                ministry_id=user.organization_id, plan_check__programme=programme
            )
            .select_related("plan_check__organization__prefecture")
            .order_by("verdict", "plan_check__organization__code")
        )
    # The coordinator (and a prefecture, for its municipalities) works from the list of
    # organisations, each with the state of its check ('' = not checked yet).
    state = Subquery(
        PlanCheck.objects.filter(organization=OuterRef("pk"), programme=programme).values("state")[
            :1
        ]
    )
    organizations = Organization.objects.filter(
        kind__in=(OrganizationKind.PREFECTURE, OrganizationKind.MUNICIPALITY)
    )
    return (
        permissions.visible(user, organizations, VIEW)
        .select_related("prefecture")
        .annotate(check_state=state)
        .order_by("code")
    )
