"""Domain signals of the organisation register (sent by its write paths, wired in apps.py)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that created organisations, once per load (or admin save) with
# every new id, so a receiver (the action plan: entries in each published programme) works in
# bulk and commits or rolls back with them. kwargs: organization_ids: list[int]
organizations_added = Signal()
