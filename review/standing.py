"""Where an organisation's plan stands with its reviewers — the check (総括確認 and each
ministry's 適切／要修正), the approved later dates and the follow-ups — now, or as it stood at
the end of a past day (read from their history tables), for the plan page and its as-of view.

Everything goes through the permission door: a reviewer sees the approvals and follow-ups of
its own work items, as on the review pages. Four queries (three without a check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Subquery

from accounts import permissions
from accounts.permissions import VIEW
from review.models import ApprovedException, FollowUp, MinistryReview, PlanCheck


@dataclass
class Standing:
    check: Any = None  # PlanCheck or its historical record
    reviews: list = field(default_factory=list)
    approvals: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)

    @property
    def needs_fix(self) -> bool:
        """A ministry asked for changes (要修正): the organisation may report them made."""
        return any(review.verdict == MinistryReview.Verdict.NEEDS_FIX for review in self.reviews)

    @property
    def empty(self) -> bool:
        return self.check is None and not self.approvals and not self.follow_ups


def standing(user, organization, programme, as_of: dt.datetime | None = None) -> Standing:
    """The organisation's standing in ``programme``, now (``as_of`` None) or at ``as_of``.
    Rows read as of a date are historical records: their ``id`` is the row's id."""
    if as_of is None:
        checks = PlanCheck.objects.all()
        reviews = MinistryReview.objects.all()
        approvals = ApprovedException.objects.all()
        follow_ups = FollowUp.objects.all()
    else:
        checks = _as_of(PlanCheck, as_of)
        reviews = _as_of(MinistryReview, as_of)
        approvals = _as_of(ApprovedException, as_of)
        follow_ups = _as_of(FollowUp, as_of)
    check = (
        permissions.visible(user, checks.filter(organization=organization, programme=programme))
        .order_by()
        .first()
    )
    found = Standing(check=check)
    if check is not None:
        found.reviews = list(
            permissions.visible(user, reviews.filter(plan_check_id=check.id))
            .select_related("ministry__parent")
            .order_by("ministry__code")
        )
    found.approvals = list(
        permissions.visible(
            user,
            approvals.filter(organization=organization, task__work_item__programme=programme),
            VIEW,
        )
        .select_related("task__work_item", "system")
        .order_by("task__work_item__order", "task__order")
    )
    found.follow_ups = list(
        permissions.visible(
            user, follow_ups.filter(organization=organization, programme=programme), VIEW
        )
        .select_related("work_item")
        .order_by("-created_at")
    )
    return found


def _as_of(model, as_of: dt.datetime):
    """Each row of ``model`` as it stood at ``as_of`` (rows deleted by then left out): its
    latest record by then, the later of two written in the same instant (a row created and
    changed in one request) by id."""
    records = model.history.filter(history_date__lte=as_of)
    latest = (
        records.filter(id=OuterRef("id")).order_by("-history_date", "-history_id").values("pk")[:1]
    )
    return records.filter(history_id=Subquery(latest)).exclude(history_type="-")
