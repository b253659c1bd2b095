"""Receivers: an entry is re-judged when it is saved (in the same transaction, so the flags
and the rollup commit or roll back with the entry; a handful of queries)."""

from __future__ import annotations


def entry_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:  # loaddata
        return
    from review import services

    services.judge_entries([instance.pk])


def entry_deleting(sender, instance, **kwargs) -> None:
    from review import services

    services.entry_deleted(instance)
