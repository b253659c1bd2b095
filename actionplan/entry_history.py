"""An entry's change history as its history panel shows it: who, when, and old → new per field,
labels instead of stored codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext

from actionplan.models import EDITABLE_FIELDS, CompletionItem, PlanEntry, Status
from pmo import field_labels
from pmo import questions as kinds


def _answered(item: CompletionItem | None, key: str, value: Any) -> str:
    """「label: answer」 in a history row (an item removed since: its key, the raw answer)."""
    if item is None:
        return f"{key}: {value}"
    return f"{item.label}: {kinds.display(item.question().spec, value)}"


def history(entry: PlanEntry, *, as_of: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Each change of ``entry``: who, when, and old → new per field (newest first); with
    ``as_of``, only those made by then."""
    records = entry.history.select_related("history_user").order_by("-history_id")
    if as_of is not None:
        records = records.filter(history_date__lte=as_of)
    records = list(records)
    questions = {str(item.pk): item for item in entry.task.completion_items.all()}

    def shown(name: str, value: Any) -> Any:
        # People read labels, not stored codes.
        if name == "status" and value:
            return Status(value).label
        if name == "completion" and isinstance(value, dict):
            return (
                gettext("、").join(_answered(questions.get(k), k, v) for k, v in value.items())
                or None
            )
        return value

    labels = {name: field_labels.label(PlanEntry, name) for name in EDITABLE_FIELDS}
    changes = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        fields = []
        for name in EDITABLE_FIELDS:
            before = getattr(older, name) if older else None
            after = getattr(newer, name)
            if older is None and after in (None, "", {}, 0, "not_started"):
                continue
            if before != after:
                fields.append((labels[name], shown(name, before), shown(name, after)))
        user = newer.history_user
        changes.append(
            {
                "at": newer.history_date,
                "who": (user.display_name or user.email) if user else "",
                "created": older is None,
                "fields": fields,
                "version": newer.version,
            }
        )
    return changes
