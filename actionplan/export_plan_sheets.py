"""The own-data workbook's sheets of the plan itself: the plan (one row per entry), the
completion answers (a :class:`~actionplan.export_cells.Side` sheet filled with the plan's
rows), the change history (old → new per field) and the target systems. Each row source is a
generator over one queryset of :mod:`actionplan.export_selectors`, read with ``.iterator()``:
rows are made as the workbook writes them, never all held at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from actionplan import export_selectors as select
from actionplan.export_cells import (
    CHUNK,
    Side,
    answer_text,
    choice_label,
    columns,
    local,
    person,
    typed_answer,
    work_item_name,
)
from actionplan.models import EDITABLE_FIELDS, PlanEntry, Status
from orgs.models import Organization
from pmo import field_labels
from pmo.questions import Kind

# プログラム, 作業項目, タスク, 対象システム: which entry a row is about.
ENTRY = (
    (_("プログラム"), "14+"),
    (_("作業項目"), "18+"),
    (_("タスク"), "18+"),
    (_("対象システム"), "12+"),
)
PLAN_COLUMNS = columns(
    *ENTRY,
    (_("計画開始"), "11"),
    (_("計画終了"), "11"),
    (_("実績開始"), "11"),
    (_("実績終了"), "11"),
    (_("状況"), "7"),
    (_("対象外の理由"), "16+"),
    (_("進捗率（%）"), "7"),
    (_("備考"), "28+"),
    (_("版"), "4"),
    (_("更新者"), "12"),
    (_("更新日時"), "16"),
)
ANSWER_COLUMNS = columns(
    *ENTRY,
    (_("項目"), "30+"),
    (_("回答"), "36+"),
)


def _entry_key(entry) -> tuple:
    """プログラム, 作業項目, タスク, 対象システム: the columns that say which entry a row is."""
    work_item = entry.task.work_item
    system = entry.system.name if entry.system_id else ""
    return (work_item.programme.name, work_item_name(work_item), entry.task.name, system)


def plan_rows(user, organization: Organization, answers: Side, labels: dict) -> Iterator[tuple]:
    """The plan, one row per entry, with every field a person enters or reads back."""
    for entry in select.entries(user, organization).iterator(chunk_size=CHUNK):
        key = _entry_key(entry)
        for item_key, value in (entry.completion or {}).items():
            label, kind = labels.get(str(item_key), (str(item_key), Kind.LONG_TEXT))
            answers.append((*key, label, typed_answer(kind, value)))
        yield (
            *key,
            entry.planned_start,
            entry.planned_end,
            entry.actual_start,
            entry.actual_end,
            choice_label(Status, entry.status),
            entry.not_applicable_reason,
            entry.progress,
            entry.remarks,
            entry.version,
            person(entry.updated_by),
            local(entry.updated_at),
        )


HISTORY_COLUMNS = columns(
    (_("日時"), "16"),
    (_("変更者"), "14"),
    *ENTRY,
    (_("版"), "5"),
    (_("項目"), "14"),
    (_("変更前"), "28+"),
    (_("変更後"), "28+"),
)
# simple_history's record types: a row of its own for an entry made or removed.
EVENTS = {"+": _("（作成）"), "-": _("（削除）")}
# A new entry's blanks are not changes.
EMPTY: tuple[object, ...] = (None, "", {}, 0, Status.NOT_STARTED)


def _shown(name: str, value: object, labels: dict) -> object:
    """A field's value in a history row, as the plan page shows it."""
    if name == "status":
        return choice_label(Status, value)
    if name == "completion":
        answers = value if isinstance(value, dict) else {}
        texts = []
        for key, answer in answers.items():
            label, kind = labels.get(str(key), (str(key), Kind.LONG_TEXT))
            texts.append(f"{label}: {answer_text(kind, answer)}")
        return pgettext("list separator", "、").join(texts) or None
    return value if value != "" else None


def history_rows(user, organization: Organization, labels: dict) -> Iterator[tuple]:
    """Who changed what, when, old → new: one row per changed field of each version, each
    version compared with the previous one of the same entry (the rows come grouped)."""
    names = {name: field_labels.label(PlanEntry, name) for name in EDITABLE_FIELDS}
    previous: Any = None  # the history record before this one (simple-history's model)
    for record in select.history(user, organization).iterator(chunk_size=CHUNK):
        older = previous if previous is not None and previous.id == record.id else None
        previous = record
        head = (local(record.history_date), person(record.history_user))
        key = (*_entry_key(record), record.version)
        if event := EVENTS.get(record.history_type):
            yield (*head, *key, str(event), None, None)
            if record.history_type == "-":
                continue
        for name, label in names.items():
            before = getattr(older, name) if older is not None else None
            after = getattr(record, name)
            if older is None and after in EMPTY:
                continue
            if before != after:
                yield (
                    *head,
                    *key,
                    label,
                    _shown(name, before, labels),
                    _shown(name, after, labels),
                )


SYSTEM_COLUMNS = columns(
    (_("システム名"), "30"),
    (_("区分"), "24"),
)


def system_rows(user, organization: Organization) -> Iterator[tuple]:
    for link in select.systems(user, organization).iterator(chunk_size=CHUNK):
        shared = link.system.organization_id is None
        yield (
            link.system.name,
            gettext("共通（標準の一覧から選択）") if shared else gettext("独自システム"),
        )
