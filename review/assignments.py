"""Assigned reviewers (担当): the coordinator or the system administrator assigns a ministry
reviewer to named local governments, a django-guardian ``follow_up`` grant on each (the
design's exception "a reviewer assigned to follow up specific municipalities").

What an assignment does (decided from DESIGN.md, "Tenancy and permissions" and "Who uses
it"): a ministry reviewer already sees and follows up every local government on the work
items of its bureau, so the grant widens no reach (the work-item axis of
:mod:`accounts.permissions` still narrows every read and write). It names the reviewer
responsible for those organisations: they come first, marked 担当, on the reviewer's
national page, late list, prefecture lists and TOP. Only reviewer accounts can be assigned.

Every grant and removal is recorded in the audit trail with the grantee named
(:func:`accounts.services.grant` / :func:`accounts.services.revoke`); assigning again what is
already assigned writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import BigIntegerField, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission

from accounts import permissions
from accounts import services as account_services
from accounts.models import User
from orgs import jis
from orgs.models import LOCAL_KINDS, Organization, OrganizationKind
from pmo.invalid import Invalid

CODENAME = "follow_up"


def local_governments():
    return Organization.objects.filter(kind__in=LOCAL_KINDS).select_related("prefecture", "parent")


_SPLIT = re.compile(r"[\s,、，]+")


def resolve(text: str, prefecture: Organization | None = None) -> list[Organization]:
    """The organisations named in ``text`` (JIS codes, five or six digits, or names such as
    ``札幌市`` or ``北海道 札幌市``, one a line or separated by commas) plus every municipality
    and association of ``prefecture``. Raises :class:`Invalid` naming every entry that is
    unknown or ambiguous; nothing is half-resolved."""
    found: dict[int, Organization] = {}
    unknown: list[str] = []
    ambiguous: list[str] = []
    lines = [line.strip() for line in re.split(r"[\r\n]+", text or "") if line.strip()]
    tokens: list[str] = []
    for line in lines:
        # "北海道 札幌市" is one name; "011002, 012025" two codes.
        parts = [part for part in _SPLIT.split(line) if part]
        if all(part.isdigit() for part in parts):
            tokens.extend(parts)
        else:
            tokens.extend(part.strip() for part in re.split(r"[,、，]+", line) if part.strip())
    candidates = local_governments()
    for token in tokens:
        if token.isdigit():
            code = token
            if len(token) == 5:
                code = token + str(jis.check_digit(token))
            matches = list(candidates.filter(code=code))
        else:
            name = re.sub(r"\s+", " ", token)
            query = Q(name=name)
            if " " in name:
                pref, _sep, rest = name.partition(" ")
                query = Q(name=rest, prefecture__name=pref)
            elif len(name) > 3:
                # "北海道札幌市": a prefecture name glued to the municipality's.
                for split in range(2, 5):
                    query |= Q(name=name[split:], prefecture__name=name[:split])
            matches = list(candidates.filter(query))
        if not matches:
            unknown.append(token)
        elif len(matches) > 1:
            names = _("、").join(f"{m.code} {m.full_name}" for m in matches)
            ambiguous.append(_("%(token)s（%(names)s）") % {"token": token, "names": names})
        else:
            found[matches[0].pk] = matches[0]
    errors = []
    if unknown:
        errors.append(_("見つからない団体があります: %(names)s") % {"names": _("、").join(unknown)})
    if ambiguous:
        errors.append(
            _("同じ名前の団体が複数あります。JIS コードで指定してください: %(names)s")
            % {"names": _("、").join(ambiguous)}
        )
    if errors:
        raise Invalid({"organizations": " ".join(errors)})
    if prefecture is not None:
        for org in local_governments().filter(
            prefecture=prefecture,
            kind__in=(OrganizationKind.MUNICIPALITY, OrganizationKind.ASSOCIATION),
        ):
            found[org.pk] = org
    if not found:
        raise Invalid(
            {
                "organizations": _(
                    "団体を JIS コードか団体名で入力するか、都道府県を選んでください。"
                )
            }
        )
    return sorted(found.values(), key=lambda org: org.code)


def check_reviewer(user) -> None:
    """Only an active ministry reviewer can be assigned."""
    if not permissions.holds(user, permissions.BE_ASSIGNED):
        raise Invalid(
            {
                "reviewer": _(
                    "%(name)s（%(email)s、%(role)s）は府省庁の確認担当者ではないため、"
                    "担当団体を割り当てられません。府省庁の確認担当者のアカウントを選んでください。"
                )
                % {
                    "name": user.display_name or user.email,
                    "email": user.email,
                    "role": user.get_role_display(),
                }
            }
        )
    if not user.is_active:
        raise Invalid(
            {
                "reviewer": _("%(email)s は停止中のアカウントです。担当団体を割り当てられません。")
                % {"email": user.email}
            }
        )


def held(reviewer) -> set[int]:
    return set(permissions.assigned_organizations(reviewer).values_list("org_id", flat=True))


def assign(actor, reviewer, organizations: list[Organization], *, request=None) -> int:
    """Assign ``reviewer`` to ``organizations``; returns how many were new (0 the second
    time: nothing granted, nothing audited)."""
    if not permissions.can(actor, permissions.ASSIGN_REVIEWERS):
        raise PermissionError("assign_reviewers")
    check_reviewer(reviewer)
    with transaction.atomic():
        already = held(reviewer)
        new = [org for org in organizations if org.pk not in already]
        for org in new:
            account_services.grant(actor, reviewer, CODENAME, org, request=request)
    return len(new)


def unassign(actor, reviewer, organization: Organization, *, request=None) -> bool:
    """Remove one assignment; False (nothing audited) when it was not there."""
    if not permissions.can(actor, permissions.ASSIGN_REVIEWERS):
        raise PermissionError("assign_reviewers")
    with transaction.atomic():
        if organization.pk not in held(reviewer):
            return False
        account_services.revoke(actor, reviewer, CODENAME, organization, request=request)
    return True


@dataclass
class ReviewerAssignments:
    reviewer: User
    organizations: list[Organization]


def by_reviewer() -> list[ReviewerAssignments]:
    """Every reviewer account's assignments, reviewers by organisation then e-mail (three
    queries whatever the number of assignments)."""
    rows = list(
        UserObjectPermission.objects.filter(
            permissions.holders(permissions.BE_ASSIGNED, prefix="user__"),
            permission__codename=CODENAME,
            content_type=ContentType.objects.get_for_model(Organization),
        )
        .annotate(org_id=Cast("object_pk", BigIntegerField()))
        .values_list("user_id", "org_id")
    )
    orgs = local_governments().in_bulk({org_id for _, org_id in rows})
    users = User.objects.select_related("organization__parent").in_bulk({u for u, _ in rows})
    grouped: dict[int, list[Organization]] = {}
    for user_id, org_id in rows:
        if org_id in orgs:
            grouped.setdefault(user_id, []).append(orgs[org_id])
    lines = [
        ReviewerAssignments(users[user_id], sorted(found, key=lambda org: org.code))
        for user_id, found in grouped.items()
    ]
    return sorted(
        lines,
        key=lambda line: (
            line.reviewer.organization.code if line.reviewer.organization else "",
            line.reviewer.email,
        ),
    )
