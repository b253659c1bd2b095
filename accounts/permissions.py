"""The one door for permissions: ``can(user, action, obj)`` and ``visible(user, queryset)``.

Every view, export, download, search and htmx endpoint asks here. The rules come first from
role and organisation (own organisation; a prefecture sees its municipalities; reviewers and
the coordinator see all local governments); django-guardian object grants on an
:class:`~orgs.models.Organization` add the exceptions (a contractor given ``edit_plan`` on
one municipality, a reviewer given ``follow_up`` on specific municipalities).

Lists filter with one subquery (``organization__in=<scope>``), never a per-row check.
An object outside the user's reach must answer 404: use :func:`get_visible_or_404` and
:func:`require`, which also record the refusal in the audit trail.

Work items are the second axis: a ministry reviewer acts only on the work items its bureau
(or its ministry) is responsible for (:func:`work_items`), for reads and writes alike. A model
registered with a ``work_item`` path is narrowed by both axes.

"Everything" is :data:`EVERYTHING`, never an empty ``Q()``: an empty ``Q()`` OR-ed with a
condition is just that condition, so an administrator's "everything" OR-ed with their (absent)
object grants became "nothing".

Roles are known here and nowhere else: the role table (:mod:`accounts.role_table`, data only:
``GLOBAL``, the roles that may do each global action; ``ORGANIZATION``, how far each role
reaches for each action on organisations; ``SURVEYS``, ``RESPONSES``, ``NATIONAL``,
``WORK_ITEMS``, ``TOLD``) is read by every rule below and by nothing else. Its action names
(``VIEW``, ``ROUTE_CHECKS``, …) and :class:`Reach` are passed on from here (``X as X``, on
purpose): callers name them ``permissions.VIEW``. Other apps ask ``can(user, ROUTE_CHECKS)``,
a reach (:func:`survey_reach`, :func:`national_prefecture_id`) or :func:`holders` / :func:`told` for
queries on accounts, never ``user.role`` (tests/accounts/test_role_table.py holds the table
written out by hand, and fails for a role read outside accounts/).

Other apps register their own models with :func:`register` (the path from the model to its
organisation) or :func:`register_scope` (a function returning a ``Q`` for the user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404

from accounts.role_table import ADVISE as ADVISE
from accounts.role_table import ANSWER_AS_MINISTRY as ANSWER_AS_MINISTRY
from accounts.role_table import ANSWER_SURVEY as ANSWER_SURVEY
from accounts.role_table import APPROVE as APPROVE
from accounts.role_table import ASSIGN_REVIEWERS as ASSIGN_REVIEWERS
from accounts.role_table import BE_ASSIGNED as BE_ASSIGNED
from accounts.role_table import CHECK_PLANS as CHECK_PLANS
from accounts.role_table import EDIT_CONTENT as EDIT_CONTENT
from accounts.role_table import EDIT_PLAN as EDIT_PLAN
from accounts.role_table import FOLLOW_UP as FOLLOW_UP
from accounts.role_table import FOLLOW_UP_READERS as FOLLOW_UP_READERS
from accounts.role_table import (
    GLOBAL,
    GRANTABLE,
    NATIONAL,
    ORGANIZATION,
    ORGANIZATION_OTHERWISE,
    PUBLIC,
    RESPONSES,
    SURVEYS,
    SURVEYS_OTHERWISE,
    TOLD,
    WORK_ITEMS,
)
from accounts.role_table import GRANT_ACCESS as GRANT_ACCESS
from accounts.role_table import ISSUE_SURVEYS as ISSUE_SURVEYS
from accounts.role_table import MANAGE_ACCOUNTS as MANAGE_ACCOUNTS
from accounts.role_table import MANAGE_SURVEY as MANAGE_SURVEY
from accounts.role_table import MINISTRY_REVIEWERS as MINISTRY_REVIEWERS
from accounts.role_table import MUNICIPALITIES_LATE as MUNICIPALITIES_LATE
from accounts.role_table import OPEN_DATA as OPEN_DATA
from accounts.role_table import OWN_LATE as OWN_LATE
from accounts.role_table import OWN_SETTINGS as OWN_SETTINGS
from accounts.role_table import PLAN_SIDE as PLAN_SIDE
from accounts.role_table import PREPARE_PROGRAMMES as PREPARE_PROGRAMMES
from accounts.role_table import READ_EVERY_AUDIENCE as READ_EVERY_AUDIENCE
from accounts.role_table import RELAY_SURVEY as RELAY_SURVEY
from accounts.role_table import REMIND as REMIND
from accounts.role_table import REVIEW as REVIEW
from accounts.role_table import ROUTE_CHECKS as ROUTE_CHECKS
from accounts.role_table import SET_MAIL_DOMAINS as SET_MAIL_DOMAINS
from accounts.role_table import SURVEY_DESK as SURVEY_DESK
from accounts.role_table import TRACK_SURVEY as TRACK_SURVEY
from accounts.role_table import VIEW as VIEW
from accounts.role_table import VIEW_AUDIT as VIEW_AUDIT
from accounts.role_table import Reach as Reach
from accounts.roles import RANK, Role
from orgs.models import Organization, OrganizationKind

# "Every row": true of every row and, unlike an empty ``Q()``, still every row once OR-ed
# with something else (``Q() | Q(x)`` is ``Q(x)``). Every "everything" rule returns this.
EVERYTHING = Q(pk__isnull=False)
NOTHING = Q(pk__in=[])

LOCAL = Q(
    kind__in=[
        OrganizationKind.PREFECTURE,
        OrganizationKind.MUNICIPALITY,
        OrganizationKind.ASSOCIATION,
    ]
)

ScopeFunc = Callable[[Any, str], Q]
_SCOPES: dict[type[models.Model], ScopeFunc] = {}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def granted_organizations(user, codenames: tuple[str, ...]) -> QuerySet:
    """Ids of organisations on which ``user`` holds one of the guardian grants (a subquery)."""
    from guardian.models import UserObjectPermission

    return (
        UserObjectPermission.objects.filter(
            user_id=user.pk,
            permission__codename__in=codenames,
            content_type=ContentType.objects.get_for_model(Organization),
        )
        .annotate(org_id=Cast("object_pk", models.BigIntegerField()))
        .values("org_id")
    )


def _role_reach(user, table: dict[str, dict[Role, Reach]], action: str, otherwise) -> Reach:
    """The reach ``table`` gives ``user``'s role for ``action`` (the role alone: callers that
    act for a signed-in user have checked that the account is active)."""
    return table.get(action, otherwise).get(user.role, Reach.NONE)


def organization_reach(user, action: str) -> Reach:
    """How far ``user``'s role reaches for ``action`` on organisations (:data:`ORGANIZATION`)."""
    return _role_reach(user, ORGANIZATION, action, ORGANIZATION_OTHERWISE)


def organization_rule(user, action: str) -> Q:
    """The organisations ``user`` may act on by role alone, as a ``Q`` on Organization."""
    org_id = user.organization_id
    own = Q(pk=org_id) if org_id else NOTHING
    reach = organization_reach(user, action)
    if reach == Reach.OWN:
        return own
    if reach == Reach.MUNICIPALITIES:
        return Q(prefecture_id=org_id)
    if reach == Reach.PREFECTURE:
        return own | Q(prefecture_id=org_id)
    if reach == Reach.LOCAL:
        return LOCAL
    if reach == Reach.OWN_AND_LOCAL:
        return own | LOCAL
    if reach == Reach.ALL:
        # Not ``Q()``: :func:`organizations` ORs the grants in, and ``Q() | grants`` is grants.
        return EVERYTHING
    return NOTHING


def organizations(user, action: str = VIEW) -> QuerySet:
    """The organisations ``user`` may ``action``: role rules plus guardian grants."""
    if not _active(user):
        return Organization.objects.none()
    rule = organization_rule(user, action)
    if codenames := GRANTABLE.get(action):
        rule |= Q(pk__in=granted_organizations(user, codenames))
    return Organization.objects.filter(rule)


def work_item_rule(user, action: str = VIEW) -> Q:
    """The work items ``user`` may ``action`` on, as a ``Q`` on WorkItem.

    A ministry reviewer: those its bureau, or the ministry above it, is responsible for, for
    reading as for writing (approvals, follow-ups, notes). Every other role: every work item
    (:data:`EVERYTHING`); which organisations they reach is :func:`organizations`' business.
    """
    from actionplan.models import WorkItem

    if not _active(user):
        return NOTHING
    if WORK_ITEMS.get(user.role, Reach.NONE) == Reach.ALL:
        return EVERYTHING
    if not user.organization_id:
        return NOTHING
    parent = Organization.objects.filter(pk=user.organization_id).values("parent_id")
    responsible = WorkItem.responsible_bureaus.through.objects.filter(
        Q(organization_id=user.organization_id) | Q(organization_id__in=parent)
    )
    return Q(pk__in=responsible.values("workitem_id"))


def work_items(user, action: str = VIEW, programme: Any = None) -> QuerySet:
    """The work items (of ``programme``, or all) ``user`` may ``action`` on, in order."""
    from actionplan.models import WorkItem

    items = WorkItem.objects.all() if programme is None else programme.work_items.all()
    return items.filter(work_item_rule(user, action)).order_by("order", "code")


def work_item_ids(user, programme: Any, action: str = VIEW) -> list[int] | None:
    """For the pages built on rollups: the ids of :func:`work_items`, or ``None`` when the
    user is not narrowed to some work items (one query when narrowed, none otherwise)."""
    if work_item_rule(user, action) == EVERYTHING:
        return None
    return list(work_items(user, action, programme).values_list("pk", flat=True))


def work_item_scope(user, action: str = VIEW, path: str = "work_item") -> Q:
    """Rows of any model whose work item (at the lookup ``path``) ``user`` may ``action``."""
    from actionplan.models import WorkItem

    rule = work_item_rule(user, action)
    if rule == EVERYTHING:
        return EVERYTHING
    return Q(**{f"{path}__in": WorkItem.objects.filter(rule).values("pk")})


def register(
    model: type[models.Model], *, organization: str = "organization", work_item: str | None = None
) -> None:
    """Scope ``model`` by the organisation found at the ``organization`` lookup path and, for
    rows that concern one work item, by the work item at the ``work_item`` path."""

    def scope(user, action: str) -> Q:
        rule = Q(**{f"{organization}__in": organizations(user, action).values("pk")})
        if work_item is not None:
            rule &= work_item_scope(user, action, work_item)
        return rule

    _SCOPES[model] = scope


def register_scope(model: type[models.Model]) -> Callable[[ScopeFunc], ScopeFunc]:
    """Decorator: ``func(user, action) -> Q`` decides which rows of ``model`` are visible."""

    def decorate(func: ScopeFunc) -> ScopeFunc:
        _SCOPES[model] = func
        return func

    return decorate


def visible(user, queryset: QuerySet, action: str = VIEW) -> QuerySet:
    """``queryset`` narrowed to what ``user`` may ``action`` (one subquery, no per-row check)."""
    if not _active(user):
        return queryset.none()
    if queryset.model is Organization:
        return queryset.filter(pk__in=organizations(user, action).values("pk"))
    try:
        scope = _SCOPES[queryset.model]
    except KeyError:
        raise LookupError(f"{queryset.model.__name__} is not registered with permissions") from None
    return queryset.filter(scope(user, action))


def programmes(user) -> QuerySet:
    """The programmes ``user`` may read: every published one (for anyone, signed in or not:
    the open-data CSV is per programme); the system administrator, who prepares programmes
    in admin, also sees those not yet published. No query until evaluated."""
    from actionplan.models import Programme

    if can(user, PREPARE_PROGRAMMES):
        return Programme.objects.all()
    return Programme.objects.filter(published_at__isnull=False)


def can(user, action: str, obj: models.Model | None = None) -> bool:
    """May ``user`` do ``action`` to ``obj``? Global actions take ``obj=None``.

    Object checks run one query (``visible`` on that row).
    """
    if obj is None and action in PUBLIC:
        return True
    if not _active(user):
        return False
    if obj is None:
        return _global(user, action)
    return visible(user, type(obj)._default_manager.filter(pk=obj.pk), action).exists()


def _global(user, action: str) -> bool:
    return user.role in GLOBAL.get(action, ())


def holds(user, action: str) -> bool:
    """Does ``user``'s role allow the global ``action``, active or not? For questions about
    another account (may this account be assigned?), which say apart why it may not."""
    return user.role in GLOBAL.get(action, ())


def holders(action: str, prefix: str = "") -> Q:
    """The accounts whose role allows the global ``action``, as a ``Q`` on User (``prefix``:
    the lookup path to the user, e.g. ``"user__"``)."""
    return Q(**{f"{prefix}role__in": sorted(GLOBAL.get(action, ()))})


def told(kind: str) -> Q:
    """The accounts told of ``kind`` (:data:`TOLD`), as a ``Q`` on User."""
    return Q(role__in=sorted(TOLD[kind]))


def national_prefecture_id(user) -> int | None:
    """The prefecture ``user``'s national picture (進捗確認) is narrowed to, or None for the
    whole country. By role alone, active or not: a report job runs for its user later, and
    a prefecture's job must never widen to the whole country (-1, no prefecture, when the
    account has no organisation)."""
    if NATIONAL.get(user.role, Reach.NONE) == Reach.PREFECTURE:
        return user.organization_id or -1
    return None


def survey_reach(user, action: str) -> Reach:
    """How far ``user``'s role reaches for ``action`` on surveys (:data:`SURVEYS`)."""
    return _role_reach(user, SURVEYS, action, SURVEYS_OTHERWISE)


def response_reach(user, action: str) -> Reach:
    """How far ``user``'s role reaches for ``action`` on survey responses (:data:`RESPONSES`)."""
    return _role_reach(user, RESPONSES, action, {})


def assigned_organizations(user) -> QuerySet:
    """Ids of the organisations a reviewer is assigned to follow up (its ``follow_up`` grants;
    a subquery). The assignment marks them as the reviewer's own (担当) and lists them first;
    it widens no reach: a reviewer already follows up every local government on its
    bureau's work items, and the work-item axis still narrows everything it does there."""
    if not _active(user):
        return Organization.objects.none().values("pk")
    return granted_organizations(user, GRANTABLE[FOLLOW_UP])


def can_assign_role(user, role: str) -> bool:
    """An issuer never grants a role above their own."""
    return _active(user) and RANK.get(role, 10**6) <= RANK.get(user.role, -1)


def may_act_on(user, target) -> bool:
    """May ``user`` stop, restart, re-invite, re-role or re-address the account ``target``
    (already within their reach)? Never their own, never one above their own role."""
    return target.pk != user.pk and can_assign_role(user, target.role)


def denied(request, action: str, target: Any = None) -> Http404:
    """Record the refusal in the audit trail and return the 404 to raise."""
    from accounts import audit

    audit.access_denied(request, action=action, target=target)
    return Http404()


def get_visible_or_404(request, queryset: QuerySet, action: str = VIEW, **lookup) -> Any:
    """The object ``lookup`` finds among those ``request.user`` may ``action``, or 404."""
    try:
        return visible(request.user, queryset, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise denied(request, action, lookup) from None


def require(request, action: str, obj: models.Model | None = None) -> None:
    """Raise 404 (audited) unless ``request.user`` may ``action`` ``obj``."""
    if not can(request.user, action, obj):
        raise denied(request, action, obj)
