"""Reads shared by the pages: the documents a user may see, and the TOP page's. Each is a fixed
number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts import permissions
from documents import rules
from documents.models import Announcement, Document

TOP_ANNOUNCEMENTS = 5
TOP_NEW_DOCUMENTS = 8


def visible_documents(user, action: str = permissions.VIEW):
    """The documents ``user`` may see (or act on, with ``action``): one subquery, no rows read."""
    return permissions.visible(user, Document.objects.all(), action)


def top_context(user) -> dict:
    """お知らせ and the documents new since the previous login, for the TOP page (2 queries)."""
    now = timezone.now()
    since = user.previous_login or now - timedelta(days=rules.NEW_DAYS)
    announcements = permissions.visible(user, Announcement.objects.filter(is_published=True))
    new_documents = (
        permissions.visible(user, Document.objects.published())
        .filter(published_at__gt=since)
        .select_related("publisher__parent", "publisher__prefecture")
        .order_by("-published_at", "-pk")
    )
    return {
        "announcements": list(announcements.select_related("page")[:TOP_ANNOUNCEMENTS]),
        "new_documents": list(new_documents[:TOP_NEW_DOCUMENTS]),
    }
