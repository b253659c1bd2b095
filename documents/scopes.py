"""Who sees which rows of the documents app, registered with ``accounts.permissions``.

Decisions (and why):

- Editors and system administrators see everything, drafts and withdrawn documents included:
  they are the ones who publish, schedule and withdraw.
- Everyone else sees published, not hidden documents whose audience includes their
  organisation: ``everyone``; ``prefectures`` (an organisation of kind prefecture);
  ``municipalities`` (municipalities and 一部事務組合等, which do municipal work);
  ``named`` (the organisation is in the document's ``organizations``); ``classes`` (the
  organisation's kind or municipality class is among ``audience_classes``, e.g. a 事務連絡 for
  都道府県・指定都市・中核市).
- National reviewers and the coordinator see every published document whatever its audience:
  they answer questions about material sent to local governments.
- The publishing organisation always sees its own documents (an organisation's 取組情報,
  even once an editor has hidden one, so its staff can read the reason).

Each rule is a ``Q`` with subqueries (``Exists`` on the user's organisation, ``pk__in`` on
the named-organisation table), so a list stays one query with no duplicate rows.
"""

from __future__ import annotations

from django.db.models import Case, CharField, Exists, F, Q, Subquery, Value, When
from django.db.models.functions import Concat

from accounts import permissions
from orgs.models import Organization, OrganizationKind

# Not Q() for "every row": an empty Q() OR-ed with a condition is just that condition.
EVERYTHING = permissions.EVERYTHING
NOTHING = permissions.NOTHING


def is_editor(user) -> bool:
    return permissions.can(user, permissions.EDIT_CONTENT)


def _org_is(org_id, *kinds: str) -> Q:
    return Q(Exists(Organization.objects.filter(pk=org_id, kind__in=kinds)))


def _class_token(org_id):
    """``,designated,`` / ``,prefecture,`` for the user's organisation, as a subquery."""
    token = Concat(
        Value(","),
        Case(
            When(kind=OrganizationKind.PREFECTURE, then=Value("prefecture")),
            default=F("municipality_class"),
            output_field=CharField(),
        ),
        Value(","),
        output_field=CharField(),
    )
    return Subquery(
        Organization.objects.filter(pk=org_id).annotate(token=token).values("token")[:1]
    )


def document_rule(user, action: str) -> Q:
    """The documents ``user`` may ``action`` (VIEW or EDIT_CONTENT), as a ``Q``."""
    from documents.models import Document, Kind, Status

    org_id = user.organization_id
    if is_editor(user):
        return EVERYTHING
    own = Q(publisher_id=org_id) if org_id else NOTHING
    if action == permissions.EDIT_CONTENT:
        # Staff look after their own organisation's 取組情報, nothing else.
        return own & Q(kind=Kind.EFFORT)
    if action != permissions.VIEW:
        return NOTHING
    published = Q(status=Status.PUBLISHED, hidden_reason="")
    if permissions.can(user, permissions.READ_EVERY_AUDIENCE):
        return published | own
    if not org_id:
        return NOTHING
    named = Document.organizations.through.objects.filter(organization_id=org_id)
    return (published & audience_rule(org_id, named.values("document_id"))) | own


def audience_rule(org_id, named) -> Q:
    """The rows whose audience includes organisation ``org_id``, as a ``Q`` on any model with
    ``audience`` and ``audience_classes`` fields (documents, surveys); ``named`` is the
    subquery of the row ids that name the organisation (their ``organizations`` M2M)."""
    from documents.models import Audience

    return (
        Q(audience=Audience.EVERYONE)
        | (Q(audience=Audience.PREFECTURES) & _org_is(org_id, OrganizationKind.PREFECTURE))
        | (
            Q(audience=Audience.MUNICIPALITIES)
            & _org_is(org_id, OrganizationKind.MUNICIPALITY, OrganizationKind.ASSOCIATION)
        )
        | Q(audience=Audience.NAMED, pk__in=named)
        | Q(audience=Audience.CLASSES, audience_classes__contains=_class_token(org_id))
    )


def audience_members(audience: str, audience_classes: str, named) -> Q:
    """The other direction of :func:`audience_rule`: the organisations an audience includes,
    as a ``Q`` on Organization (``named``: the ids of the named organisations, a subquery)."""
    from documents.models import Audience

    if audience == Audience.EVERYONE:
        return EVERYTHING
    if audience == Audience.PREFECTURES:
        return Q(kind=OrganizationKind.PREFECTURE)
    if audience == Audience.MUNICIPALITIES:
        return Q(kind__in=[OrganizationKind.MUNICIPALITY, OrganizationKind.ASSOCIATION])
    if audience == Audience.NAMED:
        return Q(pk__in=named)
    if audience == Audience.CLASSES:
        codes = [code for code in audience_classes.split(",") if code]
        found = Q(municipality_class__in=[c for c in codes if c != "prefecture"]) & ~Q(
            kind=OrganizationKind.PREFECTURE
        )
        if "prefecture" in codes:
            found |= Q(kind=OrganizationKind.PREFECTURE)
        return found
    return NOTHING


def file_rule(user, action: str) -> Q:
    from documents.models import Document

    documents = Document.objects.filter(document_rule(user, action))
    return Q(document__in=documents.values("pk"))


def content_rule(user, action: str) -> Q:
    """Announcements, portal pages and the catalogue: readable by all, edited by editors."""
    if is_editor(user):
        return EVERYTHING
    return EVERYTHING if action == permissions.VIEW else NOTHING


def register_all() -> None:
    from documents import models

    permissions.register_scope(models.Document)(document_rule)
    permissions.register_scope(models.DocumentFile)(file_rule)
    for model in (models.Procedure, models.Linkage, models.ProcedureField, models.Category):
        permissions.register_scope(model)(content_rule)

    def announcement_rule(user, action: str) -> Q:
        return content_rule(user, action) & (
            EVERYTHING if is_editor(user) else Q(is_published=True)
        )

    permissions.register_scope(models.Announcement)(announcement_rule)
    permissions.register_scope(models.PortalPage)(announcement_rule)
