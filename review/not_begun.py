"""Who hasn't started? The organisations whose entries in a programme have none begun, in
one of two senses (entered nothing; started nothing), for the reminders page and TOP's inbox.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from accounts import permissions
from accounts.permissions import VIEW
from actionplan.models import PlanEntry, Programme, Status
from orgs.models import Organization
from review.selectors import Scope

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
    entries = PlanEntry.objects.counted().filter(task__work_item__programme=programme)
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
    return dict(
        organizations.order_by()
        .annotate(pref=Coalesce("prefecture_id", "pk"))
        .values_list("pref")
        .annotate(n=Count("pk"))
        .values_list("pref", "n")
    )
