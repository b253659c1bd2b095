"""TOP's "what needs you": what each user should act on first in the programme TOP shows,
one query per kind of work they do (an organisation's answers, a reviewer's answered
follow-ups and 担当, a ministry's checks, a prefecture's late municipalities).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import ngettext

from accounts import permissions
from actionplan.models import Programme
from orgs.models import Organization
from review.assigned import assigned_ids
from review.models import DelayFlag, FollowUp, MinistryReview


@dataclass(frozen=True)
class Todo:
    """One line of "what needs you" on TOP: a count, where to act on it."""

    label: str
    url: str
    urgent: bool = False


def _count(queryset, of: str = "pk") -> Subquery:
    """COUNT of ``queryset``'s distinct ``of`` for the outer organisation, a scalar subquery."""
    return Subquery(
        queryset.filter(organization_id=OuterRef("pk"))
        .order_by()
        .values("organization_id")
        .annotate(n=Count(of, distinct=of != "pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def todos(user, programme: Programme | None) -> list[Todo]:
    """What the user should act on first in ``programme`` (the one TOP shows; its links
    name it), one query per kind of work they do:

    - an organisation's staff: follow-ups awaiting its answer, its entries with delays
      needing one (entries, not flags);
    - the reviewing side: follow-ups it opened that have been answered;
    - a ministry: plans routed to it for checking;
    - a prefecture: its municipalities with delays needing a follow-up.
    """
    org = user.organization
    if org is None or programme is None:
        return []
    found: list[Todo] = []
    active = Q(programme=programme)
    needing_follow_up = (
        DelayFlag.objects.open().needing_follow_up().filter(work_item__programme=programme)
    )
    named = f"programme={programme.pk}"
    if org.is_local:
        open_follow_ups = FollowUp.objects.filter(active, state=FollowUp.State.OPEN)
        significant, awaiting = (
            Organization.objects.filter(pk=org.pk)
            # Entries (計画の行), not flags: one entry may fail several rules.
            .annotate(s=_count(needing_follow_up, "entry_id"), a=_count(open_follow_ups))
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
                "要フォローアップの遅延がある計画の行 %(n)s 行",
                "要フォローアップの遅延がある計画の行 %(n)s 行",
                significant,
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
    if permissions.can(user, permissions.BE_ASSIGNED):
        found.extend(_assigned_todos(user, needing_follow_up))
    if permissions.can(user, permissions.ANSWER_AS_MINISTRY):
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
    if permissions.national_prefecture_id(user) is not None:
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


def _assigned_todos(user, needing_follow_up) -> list[Todo]:
    """TOP for an assigned reviewer: its 担当 organisations, and how many of them need a
    follow-up on the work items it reviews (two queries; none when nothing is assigned)."""
    assigned = assigned_ids(user)
    if not assigned:
        return []
    late = (
        needing_follow_up.filter(organization_id__in=assigned)
        .filter(permissions.work_item_scope(user))
        .values("organization_id")
        .distinct()
        .order_by()
        .count()
    )
    label = ngettext(
        "担当の団体 %(n)s 団体（うち要フォローアップ %(late)s 団体）",
        "担当の団体 %(n)s 団体（うち要フォローアップ %(late)s 団体）",
        len(assigned),
    ) % {"n": len(assigned), "late": late}
    return [Todo(label, reverse("review:late") + "?by=org", urgent=bool(late))]
