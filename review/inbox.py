"""TOP's 「未対応の通知」: each review event that still waits for the user's organisation, shown
until it is handled. Read from the state of the things themselves, not from the notices, so
what a page shows and what is still to do cannot disagree:

- a follow-up opened for the organisation, until it answers (state 対応依頼中);
- a 要修正 verdict on its plan, until the ministry checks it again (a new verdict, or the
  coordinator routes the plan again);
- advice on its plan, until someone of the organisation marks it read (確認しました);
- an approved later date, until someone of the organisation marks it read (確認しました);
- a reminder to enter its plan, until it has entered something;
- for the reviewing side: answers to the follow-ups its organisation opened, until it closes
  them.

One query per kind, each capped at :data:`LIMIT` rows, whatever the numbers: five for an
organisation, one more for a reviewing organisation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import permissions
from actionplan.models import Advice, PlanEntry
from review.begun import BEGUN, NOT_ENTERED
from review.models import ApprovedException, FollowUp, MinistryReview, ReviewEvent

LIMIT = 10


@dataclass(frozen=True)
class Item:
    kind: str  # a css modifier and a hook for tests: follow_up, needs_fix, advice, ...
    label: str
    detail: str
    url: str
    when: dt.datetime | None
    urgent: bool = False


def unhandled(user) -> list[Item]:
    org = user.organization
    if org is None:
        return []
    found: list[Item] = []
    if org.is_local:
        found += _open_follow_ups(org)
        found += _needs_fix(org)
        found += _advice(org)
        found += _approvals(org)
        found += _reminders(org)
    if permissions.can(user, permissions.REVIEW):
        found += _answers(org)
    return found


def _name(organization) -> str:
    return organization.full_name if organization is not None else ""


def _open_follow_ups(org) -> list[Item]:
    rows = (
        FollowUp.objects.filter(organization=org, state=FollowUp.State.OPEN)
        .filter(programme__is_active=True)
        .select_related(
            "work_item", "opened_by_organization__parent", "opened_by_organization__prefecture"
        )
        .order_by("due_on", "pk")[:LIMIT]
    )
    return [
        Item(
            "follow_up",
            _("フォローアップへの回答をお願いします"),
            _("%(who)s・%(cause)s・対応期限 %(due)s")
            % {
                "who": _name(item.opened_by_organization),
                "cause": item.get_cause_display(),
                "due": item.due_on.strftime("%Y/%m/%d"),
            },
            reverse("review:follow_up", args=[item.pk]),
            item.created_at,
            urgent=True,
        )
        for item in rows
    ]


def _needs_fix(org) -> list[Item]:
    rows = (
        MinistryReview.objects.filter(
            plan_check__organization=org,
            plan_check__programme__is_active=True,
            verdict=MinistryReview.Verdict.NEEDS_FIX,
        )
        .select_related("ministry__parent")
        .order_by("-reviewed_at", "pk")[:LIMIT]
    )
    url = reverse("actionplan:plan", args=[org.code]) + "#standing"  # 修正を報告 is there
    return [
        Item(
            "needs_fix",
            _("計画の要修正：%(who)s") % {"who": review.ministry.full_name},
            review.comment,
            url,
            review.reviewed_at,
            urgent=True,
        )
        for review in rows
    ]


def _advice(org) -> list[Item]:
    rows = (
        Advice.objects.filter(organization=org, acknowledged_at=None, programme__is_active=True)
        .select_related("author_organization__parent", "author_organization__prefecture")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    url = reverse("actionplan:plan", args=[org.code]) + "#advice"
    return [
        Item(
            "advice",
            _("助言：%(who)s") % {"who": _name(advice.author_organization)},
            advice.body,
            url,
            advice.created_at,
        )
        for advice in rows
    ]


def _approvals(org) -> list[Item]:
    """Approved later dates the organisation has not yet marked read."""
    rows = (
        ApprovedException.objects.filter(
            organization=org, acknowledged_at=None, task__work_item__programme__is_active=True
        )
        .select_related("task__work_item", "system", "approved_by_organization__parent")
        .order_by("-approved_at", "-pk")[:LIMIT]
    )
    url = reverse("actionplan:plan", args=[org.code]) + "#standing"
    return [
        Item(
            "approval",
            _("期日延長の承認：%(who)s") % {"who": _name(approval.approved_by_organization)},
            _("%(task)s%(system)s は %(day)s まで")
            % {
                "task": f"{approval.task.work_item.code}. {approval.task.name}",
                "system": _("（%(name)s）") % {"name": approval.system.name}
                if approval.system
                else "",
                "day": f"{approval.approved_until:%Y/%m/%d}",
            },
            url,
            approval.approved_at,
        )
        for approval in rows
    ]


def _reminders(org) -> list[Item]:
    """The latest reminder, while the organisation has entered nothing in that programme."""
    entered = PlanEntry.objects.filter(
        BEGUN[NOT_ENTERED],
        organization_id=OuterRef("organization_id"),
        task__work_item__programme_id=OuterRef("programme_id"),
    )
    rows = (
        ReviewEvent.objects.filter(
            organization=org, kind=ReviewEvent.Kind.REMINDER, programme__is_active=True
        )
        .filter(~Exists(entered))
        .select_related("actor_organization__parent", "actor_organization__prefecture")
        .order_by("-created_at", "-pk")[:1]
    )
    url = reverse("actionplan:plan", args=[org.code])
    return [
        Item(
            "reminder",
            _("計画の入力のお願い：%(who)s") % {"who": _name(event.actor_organization)},
            event.body_text(),
            url,
            event.created_at,
            urgent=True,
        )
        for event in rows
    ]


def _answers(org) -> list[Item]:
    rows = (
        FollowUp.objects.filter(
            opened_by_organization=org, state=FollowUp.State.ANSWERED, programme__is_active=True
        )
        .select_related("organization__prefecture", "organization__parent", "work_item")
        .order_by("-updated_at", "-pk")[:LIMIT]
    )
    return [
        Item(
            "answer",
            _("フォローアップに回答がありました：%(who)s") % {"who": item.organization.full_name},
            item.get_cause_display()
            + (
                _("・%(code)s. %(name)s")
                % {"code": item.work_item.code, "name": item.work_item.name}
                if item.work_item
                else ""
            ),
            reverse("review:follow_up", args=[item.pk]),
            item.updated_at,
            urgent=True,
        )
        for item in rows
    ]
