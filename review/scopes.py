"""How the review app's rows are seen and written, registered with the one door
(:mod:`accounts.permissions`).

Delay flags and approved exceptions concern one work item: a ministry reviewer reaches only
those of the work items its bureau is responsible for, on the organisations it reviews.

A follow-up may name a work item or none (the organisation as a whole). A reviewer *reads*
those on its work items, the general ones and those its own organisation opened; it *writes*
(notes as the reviewing side, closing) only on its own work items, as it opens them.
"""

from __future__ import annotations

from django.db.models import Q

from accounts import permissions
from review import models


def follow_up_rule(user, action: str) -> Q:
    on_organizations = Q(organization__in=permissions.organizations(user, action).values("pk"))
    on_work_items = permissions.work_item_scope(user, action)
    if action == permissions.VIEW:
        # OR-ing onto EVERYTHING keeps everything (it is not an empty Q()).
        on_work_items |= Q(work_item__isnull=True)
        if user.organization_id:
            on_work_items |= Q(opened_by_organization_id=user.organization_id)
    return on_organizations & on_work_items


def note_rule(user, action: str) -> Q:
    return Q(
        follow_up__in=models.FollowUp.objects.filter(follow_up_rule(user, action)).values("pk")
    )


def register_all() -> None:
    permissions.register(models.DelayFlag, work_item="work_item")
    permissions.register(models.OrganizationRollup, work_item="work_item")
    permissions.register(models.ApprovedException, work_item="task__work_item")
    permissions.register_scope(models.FollowUp)(follow_up_rule)
    permissions.register_scope(models.FollowUpNote)(note_rule)
    permissions.register(models.PlanCheck, organization="organization")
    permissions.register(models.MinistryReview, organization="plan_check__organization")
    # Their history (as-of pages read it), by the same rules on the same columns.
    approvals = models.ApprovedException.history.model
    permissions.register(approvals, work_item="task__work_item")
    permissions.register_scope(models.FollowUp.history.model)(follow_up_rule)
    permissions.register(models.PlanCheck.history.model, organization="organization")
    permissions.register(
        models.MinistryReview.history.model, organization="plan_check__organization"
    )
