"""Reads of the review pages: who sees which part of the national picture, the late list,
an organisation's delays and follow-ups. Every list is one query plus fixed extras."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils.translation import ngettext

from accounts import permissions
from accounts.permissions import VIEW
from accounts.roles import Role
from actionplan.models import PlanEntry, Programme, Status, WorkItem
from orgs.models import Organization, OrganizationKind
from review.models import DelayFlag, FollowUp, MinistryReview, PlanCheck


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
    if user.role == Role.PREFECTURE_ADMIN:
        return Scope(prefecture_id=user.organization_id or -1)
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


def follow_up_state(programme: Programme, organization_ref: str = "organization"):
    """The state of the organisation's latest follow-up (a correlated subquery)."""
    return Subquery(
        FollowUp.objects.filter(organization=OuterRef(organization_ref), programme=programme)
        .order_by("-created_at", "-pk")
        .values("state")[:1]
    )


def late_flags(user, programme: Programme, scope: Scope, on: dt.date):
    """Open flags the user may see, with today's days and the follow-up state annotated."""
    flags = DelayFlag.objects.filter(resolved_at=None, work_item__programme=programme)
    if scope.work_item_ids is not None:
        flags = flags.filter(work_item_id__in=scope.work_item_ids)
    if scope.prefecture_id is not None:
        flags = flags.filter(
            Q(organization_id=scope.prefecture_id)
            | Q(organization__prefecture_id=scope.prefecture_id)
        )
    return (
        permissions.visible(user, flags, VIEW)
        .select_related("organization__prefecture", "work_item", "entry__task", "entry__system")
        .annotate(days=days_late(on), follow_up=follow_up_state(programme))
    )


def flag_counts() -> dict:
    """Per-organisation counts of open flags: all (``n``), needing a follow-up (``s``: long
    enough and not approved), approved (``a``). For ``.values(...).annotate(**flag_counts())``."""
    return {
        "n": Count("pk"),
        "s": Count("pk", filter=Q(significant=True, approved=False)),
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
    """One organisation of the late list grouped by organisation."""

    organization: Organization
    flags: int
    significant: int
    approved: int
    worst: int
    rules: list[str]
    follow_up: str | None


# The late list's sorts, by organisation (the default, as for flags: organisation code).
GROUPED_SORTS = {
    "prefecture": ("organization__prefecture__code", "organization__code"),
    "days": ("-worst", "organization__code"),
    "-days": ("worst", "organization__code"),
}


def late_organizations(
    flags, programme: Programme, number, *, sort: str = "", per_page: int = 50
) -> Page:
    """The (filtered) open flags grouped by organisation: who is late, by how much and by
    which rules, with the follow-up state. Four queries a page: the grouped page, its
    organisations, their rules, their latest follow-ups."""
    grouped = (
        flags.order_by()
        .values("organization_id")
        .annotate(**flag_counts(), worst=Max("days"))
        .order_by(*GROUPED_SORTS.get(sort, ("organization__code",)))
    )
    page = Paginator(grouped, per_page).get_page(number)
    rows = list(page.object_list)
    ids = [row["organization_id"] for row in rows]
    organizations = Organization.objects.select_related("prefecture").in_bulk(ids)
    rules = rules_by_organization(flags, ids)
    latest = latest_follow_ups(ids, programme)
    labels = dict(DelayFlag._meta.get_field("rule").choices)
    page.object_list = [
        LateOrganization(
            organizations[row["organization_id"]],
            row["n"],
            row["s"],
            row["a"],
            row["worst"] or 0,
            [str(labels[rule]) for rule in labels if rule in rules[row["organization_id"]]],
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


def prefecture_lines(
    user, programme: Programme, prefecture: Organization, scope: Scope
) -> list[OrgLine]:
    """Each visible organisation of the prefecture with its counts (four queries)."""
    organizations = permissions.visible(
        user, Organization.objects.in_prefecture(prefecture), VIEW
    ).select_related("prefecture")
    lines = {org.pk: OrgLine(org) for org in organizations.order_by("code")}
    entries = PlanEntry.objects.filter(
        organization_id__in=list(lines), task__work_item__programme=programme
    )
    if scope.work_item_ids is not None:
        entries = entries.filter(task__work_item_id__in=scope.work_item_ids)
    for org_id, status, n in (
        entries.values_list("organization_id", "status").annotate(n=Count("pk")).order_by()
    ):
        lines[org_id].entries += n
        if status in (Status.DONE, Status.NOT_APPLICABLE):
            lines[org_id].finished += n
    flags = DelayFlag.objects.filter(
        organization_id__in=list(lines), resolved_at=None, work_item__programme=programme
    )
    if scope.work_item_ids is not None:
        flags = flags.filter(work_item_id__in=scope.work_item_ids)
    for org_id, n, significant, approved in (
        flags.values("organization_id")
        .annotate(**flag_counts())
        .values_list("organization_id", "n", "s", "a")
        .order_by()
    ):
        line = lines[org_id]
        line.flags, line.significant, line.approved = n, significant, approved
    for org_id, state in latest_follow_ups(list(lines), programme).items():
        lines[org_id].follow_up = state
    return list(lines.values())


def organization_flags(organization: Organization, programme: Programme, on: dt.date):
    return (
        DelayFlag.objects.filter(
            organization=organization, resolved_at=None, work_item__programme=programme
        )
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
    if user.role == Role.REVIEWER:
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


def group_by_work_item(flags) -> dict:
    grouped: dict = defaultdict(list)
    for flag in flags:
        grouped[flag.work_item].append(flag)
    return dict(grouped)


@dataclass(frozen=True)
class Todo:
    """One line of "what needs you" on TOP: a count, where to act on it."""

    label: str
    url: str
    urgent: bool = False


def _count(queryset) -> Subquery:
    """COUNT of ``queryset``'s rows for the outer organisation, as a scalar subquery."""
    return Subquery(
        queryset.filter(organization_id=OuterRef("pk"))
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def todos(user, programme: Programme | None) -> list[Todo]:
    """What the user should act on first in ``programme`` (the one TOP shows; its links
    name it), one query per kind of work they do:

    - an organisation's staff: follow-ups awaiting its answer, its delays needing one;
    - the reviewing side: follow-ups it opened that have been answered;
    - a ministry: plans routed to it for checking;
    - a prefecture: its municipalities with delays needing a follow-up.
    """
    org = user.organization
    if org is None or programme is None:
        return []
    found: list[Todo] = []
    active = Q(programme=programme)
    needing_follow_up = DelayFlag.objects.filter(
        resolved_at=None, significant=True, approved=False, work_item__programme=programme
    )
    named = f"programme={programme.pk}"
    if org.is_local:
        open_follow_ups = FollowUp.objects.filter(active, state=FollowUp.State.OPEN)
        significant, awaiting = (
            Organization.objects.filter(pk=org.pk)
            .annotate(s=_count(needing_follow_up), a=_count(open_follow_ups))
            .values_list("s", "a")
            .get()
        )
        own = reverse("review:organization", args=[org.code]) + f"?{named}"
        if awaiting:
            label = ngettext(
                "回答待ちのフォローアップ %(n)s 件", "回答待ちのフォローアップ %(n)s 件", awaiting
            )
            found.append(Todo(label % {"n": awaiting}, own, urgent=True))
        if significant:
            label = ngettext(
                "要フォローアップの遅延 %(n)s 件", "要フォローアップの遅延 %(n)s 件", significant
            )
            found.append(Todo(label % {"n": significant}, own))
    if not permissions.can(user, permissions.REVIEW):
        return found
    answered = FollowUp.objects.filter(
        active, opened_by_organization_id=org.pk, state=FollowUp.State.ANSWERED
    ).count()
    if answered:
        label = ngettext(
            "回答があったフォローアップ %(n)s 件", "回答があったフォローアップ %(n)s 件", answered
        )
        url = reverse("review:follow_ups") + f"?state=answered&mine=1&{named}"
        found.append(Todo(label % {"n": answered}, url, urgent=True))
    if user.role == Role.REVIEWER:
        pending = MinistryReview.objects.filter(
            ministry_id=org.pk,
            verdict=MinistryReview.Verdict.PENDING,
            plan_check__programme=programme,
        ).count()
        if pending:
            label = ngettext(
                "確認を依頼された計画 %(n)s 件", "確認を依頼された計画 %(n)s 件", pending
            )
            url = reverse("review:checks") + f"?{named}"
            found.append(Todo(label % {"n": pending}, url))
    if user.role == Role.PREFECTURE_ADMIN:
        late = (
            needing_follow_up.filter(organization__prefecture_id=org.pk)
            .values("organization_id")
            .distinct()
            .order_by()
            .count()
        )
        if late:
            label = ngettext(
                "要フォローアップの団体（管内） %(n)s 団体",
                "要フォローアップの団体（管内） %(n)s 団体",
                late,
            )
            url = reverse("review:prefecture", args=[org.code]) + f"?{named}"
            found.append(Todo(label % {"n": late}, url))
    return found


# --- Who hasn't started? -----------------------------------------------------------------------

NOT_ENTERED = "not_entered"
NOT_STARTED = "not_started"
# What counts as having begun, per question: a planned date or a status set (対象外 included)
# for "entered nothing"; an actual date or work under way for "not started".
BEGUN = {
    NOT_ENTERED: Q(planned_start__isnull=False)
    | Q(planned_end__isnull=False)
    | ~Q(status=Status.NOT_STARTED),
    NOT_STARTED: Q(actual_start__isnull=False)
    | Q(actual_end__isnull=False)
    | Q(status__in=(Status.IN_PROGRESS, Status.DONE)),
}


def not_begun(
    user,
    programme: Programme,
    scope: Scope,
    *,
    state: str = NOT_ENTERED,
    prefecture_id: int | None = None,
    municipality_class: str = "",
    work_item_id: int | None = None,
):
    """Organisations the user may see with entries in ``programme`` (within the scope's and
    the given work item) none of which has begun in the sense of ``state``. One query (two
    subqueries on the entries); every organisation has entries once the programme is
    published, so "never opened the page" is here too."""
    entries = PlanEntry.objects.filter(task__work_item__programme=programme)
    if scope.work_item_ids is not None:
        entries = entries.filter(task__work_item_id__in=scope.work_item_ids)
    if work_item_id is not None:
        entries = entries.filter(task__work_item_id=work_item_id)
    organizations = (
        permissions.visible(user, Organization.objects.all(), VIEW)
        .filter(pk__in=entries.values("organization_id"))
        .exclude(pk__in=entries.filter(BEGUN[state]).values("organization_id"))
    )
    for pref in (scope.prefecture_id, prefecture_id):
        if pref is not None:
            organizations = organizations.filter(Q(pk=pref) | Q(prefecture_id=pref))
    if municipality_class:
        organizations = organizations.filter(municipality_class=municipality_class)
    return organizations.select_related("prefecture").order_by("code")


def count_by_prefecture(organizations) -> dict[int, int]:
    """``{prefecture id: organisations}`` of a queryset from :func:`not_begun` (one query)."""
    from django.db.models.functions import Coalesce

    return dict(
        organizations.order_by()
        .annotate(pref=Coalesce("prefecture_id", "pk"))
        .values_list("pref")
        .annotate(n=Count("pk"))
        .values_list("pref", "n")
    )
