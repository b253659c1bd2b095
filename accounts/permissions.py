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

from accounts.roles import RANK, Role
from orgs.models import Organization, OrganizationKind

# Actions on an organisation (and on everything that belongs to it).
VIEW = "view"  # see its plan, its inquiries, its own data
EDIT_PLAN = "edit_plan"  # enter plan and actual dates
ADVISE = "advise"  # leave advice (助言) on its plan
FOLLOW_UP = "follow_up"  # open and answer follow-ups as the reviewing side
MANAGE_ACCOUNTS = "manage_accounts"  # issue, stop and restart its accounts
# Record its mail domains (the issuance domain check): not the account manager, who would
# vouch for the addresses of its own organisation.
SET_MAIL_DOMAINS = "set_mail_domains"
REVIEW = "review"  # national status, late organisations, reports
VIEW_AUDIT = "view_audit"
EDIT_CONTENT = "edit_content"  # documents, procedures, FAQ, announcements
OPEN_DATA = "open_data"  # the national aggregates (no organisation-level data): anyone
REMIND = "remind"  # remind it to enter its plan (督促): its prefecture, the coordinator
OWN_SETTINGS = "own_settings"  # one's own settings (how one is notified): every active user
# Assign ministry reviewers to named local governments (a guardian ``follow_up`` grant on
# each): the coordinator and the system administrator.
ASSIGN_REVIEWERS = "assign_reviewers"
# Surveys (照会・調査; rows scoped in surveys/scopes.py): issue new ones (a global action),
# design and reopen one's own, follow one's responses and results, answer as one's
# organisation, relay one's municipalities' answers as their prefecture (経由).
ISSUE_SURVEYS = "issue_surveys"
MANAGE_SURVEY = "manage_survey"
TRACK_SURVEY = "track_survey"
ANSWER_SURVEY = "answer_survey"
RELAY_SURVEY = "relay_survey"
SURVEY_DESK = "survey_desk"  # the /surveys/ desk: issuers, and local governments' people
# Who issues surveys: a ministry bureau (its reviewers), a prefecture (its admin, for its own
# municipalities), the coordinator; the system administrator as the one who can do anything.
SURVEY_ISSUERS = frozenset({Role.REVIEWER, Role.PREFECTURE_ADMIN, Role.COORDINATOR, Role.SYSADMIN})

# Global actions open to everyone, signed in or not.
PUBLIC = frozenset({OPEN_DATA})

NATIONAL_ROLES = frozenset({Role.SYSADMIN, Role.COORDINATOR, Role.REVIEWER})
# Object grants (guardian) that extend a role's reach to one organisation.
GRANTABLE = {
    VIEW: ("view_plan", "edit_plan", "follow_up"),
    EDIT_PLAN: ("edit_plan",),
    FOLLOW_UP: ("follow_up",),
    ADVISE: ("follow_up",),
}

# "Every row": true of every row and, unlike an empty ``Q()``, still every row once OR-ed
# with something else (``Q() | Q(x)`` is ``Q(x)``). Every "everything" rule returns this.
EVERYTHING = Q(pk__isnull=False)
NOTHING = Q(pk__in=[])

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


def organization_rule(user, action: str) -> Q:
    """The organisations ``user`` may act on by role alone, as a ``Q`` on Organization."""
    org_id, role = user.organization_id, user.role
    own = Q(pk=org_id) if org_id else NOTHING
    local = Q(
        kind__in=[
            OrganizationKind.PREFECTURE,
            OrganizationKind.MUNICIPALITY,
            OrganizationKind.ASSOCIATION,
        ]
    )
    prefecture = own | Q(prefecture_id=org_id)
    if role == Role.SYSADMIN:
        # Not ``Q()``: :func:`organizations` ORs the grants in, and ``Q() | grants`` is grants.
        return EVERYTHING if action != EDIT_PLAN else own
    if action == VIEW:
        if role in (Role.COORDINATOR, Role.REVIEWER):
            return own | local
        if role == Role.PREFECTURE_ADMIN:
            return prefecture
        return own
    if action == EDIT_PLAN:
        return own if role in (Role.STAFF, Role.ACCOUNT_MANAGER, Role.PREFECTURE_ADMIN) else NOTHING
    if action == ADVISE:
        if role == Role.PREFECTURE_ADMIN:
            return Q(prefecture_id=org_id)
        return local if role in (Role.COORDINATOR, Role.REVIEWER) else NOTHING
    if action == FOLLOW_UP:
        if role == Role.PREFECTURE_ADMIN:
            return Q(prefecture_id=org_id)
        return local if role in (Role.COORDINATOR, Role.REVIEWER) else NOTHING
    if action == REMIND:
        if role == Role.PREFECTURE_ADMIN:
            return Q(prefecture_id=org_id)
        return local if role == Role.COORDINATOR else NOTHING
    if action == MANAGE_ACCOUNTS:
        if role == Role.PREFECTURE_ADMIN:
            return prefecture
        return own if role == Role.ACCOUNT_MANAGER else NOTHING
    if action == SET_MAIL_DOMAINS:
        return prefecture if role == Role.PREFECTURE_ADMIN else NOTHING
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
    if user.role != Role.REVIEWER:
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

    if has_role(user, Role.SYSADMIN):
        return Programme.objects.all()
    return Programme.objects.filter(published_at__isnull=False)


def has_role(user, *roles: Role) -> bool:
    return _active(user) and user.role in roles


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
    role = user.role
    if action == REVIEW:
        return role in NATIONAL_ROLES or role == Role.PREFECTURE_ADMIN
    if action == VIEW_AUDIT:
        return role in (Role.SYSADMIN, Role.PREFECTURE_ADMIN, Role.ACCOUNT_MANAGER)
    if action == MANAGE_ACCOUNTS:
        return role in (Role.SYSADMIN, Role.PREFECTURE_ADMIN, Role.ACCOUNT_MANAGER)
    if action == SET_MAIL_DOMAINS:
        return role in (Role.SYSADMIN, Role.PREFECTURE_ADMIN)
    if action == EDIT_CONTENT:
        return role in (Role.EDITOR, Role.SYSADMIN)
    if action == REMIND:
        return role in (Role.SYSADMIN, Role.COORDINATOR, Role.PREFECTURE_ADMIN)
    if action == ASSIGN_REVIEWERS:
        return role in (Role.COORDINATOR, Role.SYSADMIN)
    if action == ISSUE_SURVEYS:
        return role in SURVEY_ISSUERS
    if action == SURVEY_DESK:
        return role in SURVEY_ISSUERS or role in (Role.STAFF, Role.ACCOUNT_MANAGER)
    # Every active user has their own settings (how they are notified).
    return action == OWN_SETTINGS


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
