"""The reads behind an organisation's own-data workbook (:mod:`actionplan.exports`).

Each function returns one queryset of one organisation's rows, narrowed by the one door
(:func:`accounts.permissions.visible`) for the user who downloads: the organisation itself
has been checked by the view, and the door still decides each kind of row (a prefecture admin
does not see a municipality's hidden 取組情報; a reviewer's follow-ups follow its work items).
Every queryset is one query, joined with what its sheet shows (no prefetch, no per-row query),
and is read with ``.iterator()`` so a large organisation streams instead of piling up.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from accounts.permissions import visible
from actionplan.models import Advice, CompletionItem, OrganizationSystem, PlanEntry
from documents.models import Document, DocumentFile, Kind
from faq.models import Inquiry
from orgs.models import Organization
from review.models import FollowUp, FollowUpNote, MinistryReview, PlanCheck

# The plan's reading order: programme, work item, task, target system.
ENTRY_ORDER = (
    "task__work_item__programme__starts_on",
    "task__work_item__programme_id",
    "task__work_item__order",
    "task__work_item__code",
    "task__order",
    "task__pk",
    "system__order",
    "system__name",
)
ORG_NAMES = ("parent", "prefecture")  # what Organization.full_name reads


def _org(path: str) -> tuple[str, ...]:
    return tuple(f"{path}__{name}" for name in ORG_NAMES)


def entries(user, organization: Organization) -> QuerySet:
    queryset = PlanEntry.objects.filter(organization=organization)
    return (
        visible(user, queryset)
        .select_related("task__work_item__programme", "system", "updated_by")
        .order_by(*ENTRY_ORDER, "pk")
    )


def history(user, organization: Organization) -> QuerySet:
    """Every recorded version of every entry, grouped by entry in plan order, oldest first
    (so each version is compared with the one before it while streaming)."""
    queryset = PlanEntry.history.model.objects.filter(organization=organization)
    return (
        visible(user, queryset)
        .select_related("task__work_item__programme", "system", "history_user")
        .order_by(*ENTRY_ORDER, "id", "history_id")
    )


def completion_labels() -> dict[str, tuple[str, str]]:
    """Completion items by the key answers are stored under: (label, kind). A small table
    (a few per task), read once."""
    return {
        str(pk): (label, kind)
        for pk, label, kind in CompletionItem.objects.order_by().values_list("pk", "label", "kind")
    }


def advice(user, organization: Organization) -> QuerySet:
    queryset = Advice.objects.filter(organization=organization)
    return (
        visible(user, queryset)
        .select_related("programme", "author", "author_organization", *_org("author_organization"))
        .order_by("created_at", "pk")
    )


def plan_checks(user, organization: Organization) -> QuerySet:
    queryset = PlanCheck.objects.filter(organization=organization)
    return visible(user, queryset).select_related("programme").order_by("programme_id")


def ministry_reviews(user, organization: Organization) -> QuerySet:
    queryset = MinistryReview.objects.filter(plan_check__organization=organization)
    return (
        visible(user, queryset)
        .select_related("plan_check__programme", "ministry", *_org("ministry"))
        .order_by("plan_check__programme_id", "ministry__code")
    )


def follow_ups(user, organization: Organization) -> QuerySet:
    queryset = FollowUp.objects.filter(organization=organization)
    return (
        visible(user, queryset)
        .select_related(
            "programme", "work_item", "opened_by_organization", *_org("opened_by_organization")
        )
        .order_by("created_at", "pk")
    )


def follow_up_notes(user, organization: Organization) -> QuerySet:
    queryset = FollowUpNote.objects.filter(follow_up__organization=organization)
    return (
        visible(user, queryset)
        .select_related(
            "follow_up__work_item",
            "author",
            "author_organization",
            *_org("author_organization"),
        )
        .order_by("follow_up__created_at", "follow_up_id", "created_at", "pk")
    )


def inquiries(user, organization: Organization) -> QuerySet:
    queryset = Inquiry.objects.filter(organization=organization)
    return visible(user, queryset).select_related("asker").order_by("created_at", "pk")


def efforts(user, organization: Organization) -> QuerySet:
    """The 取組情報 it published, with the current file's name (a subquery, not a prefetch)."""
    current = DocumentFile.objects.filter(document=OuterRef("pk"), superseded=False).order_by(
        "-version"
    )
    queryset = Document.objects.filter(kind=Kind.EFFORT, publisher=organization)
    return (
        visible(user, queryset)
        .select_related("category", "created_by")
        .annotate(
            file_name=Subquery(current.values("original_name")[:1]),
            file_version=Subquery(current.values("version")[:1]),
        )
        .order_by("created_at", "pk")
    )


def systems(user, organization: Organization) -> QuerySet:
    queryset = OrganizationSystem.objects.filter(organization=organization)
    return (
        visible(user, queryset)
        .select_related("system")
        .order_by("system__order", "system__name", "pk")
    )
