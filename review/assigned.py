"""Assigned reviewers (担当) in the reads: a reviewer's own organisations first and marked,
with their open flags on the work items it reviews (the assigning itself is
:mod:`review.assignments`). Other roles are assigned nothing: these read nothing for them.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from accounts import permissions
from accounts.permissions import VIEW
from actionplan.models import Programme
from orgs.models import Organization
from review.selectors import OrgLine, Scope, count_flags


def assigns(user) -> bool:
    """Whether the user's pages order and mark 担当 (only reviewers can be assigned)."""
    return permissions.can(user, permissions.BE_ASSIGNED)


def assigned_ids(user) -> set[int]:
    """The organisations the reviewer is assigned to (one query; none for other roles)."""
    if not assigns(user):
        return set()
    return set(permissions.assigned_organizations(user).values_list("org_id", flat=True))


def assigned_first(user, ref: str = "organization_id"):
    """An ORDER BY term putting the reviewer's assigned organisations first, or None."""
    if not assigns(user):
        return None
    return Case(
        When(**{f"{ref}__in": permissions.assigned_organizations(user)}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


def assigned_lines(user, programme: Programme, scope: Scope) -> list[OrgLine]:
    """The reviewer's assigned organisations with their open flags on the work items it
    reviews and the latest follow-up state (three queries; none for other roles)."""
    if not assigns(user):
        return []
    organizations = permissions.visible(
        user,
        Organization.objects.filter(pk__in=permissions.assigned_organizations(user)),
        VIEW,
    ).select_related("prefecture")
    lines = {org.pk: OrgLine(org) for org in organizations.order_by("code")}
    if not lines:
        return []
    count_flags(lines, programme, scope)
    return sorted(
        lines.values(), key=lambda line: (-line.significant, -line.flags, line.organization.code)
    )
