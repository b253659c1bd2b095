"""The action plan: programmes."""

from __future__ import annotations

from django.utils import timezone


def mark_published(programme):
    """The programme as published, without creating its entries: fixtures create them on
    the day they need (``ensure_entries`` under a frozen clock). Pages show only published
    programmes to everyone but the system administrator (actionplan.programmes)."""
    type(programme).objects.filter(pk=programme.pk).update(published_at=timezone.now())
    programme.refresh_from_db(fields=["published_at"])
    return programme
