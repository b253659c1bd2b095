"""The one write path of the action plan: the plan page, the Excel import and the admin call it.

Saving an entry is optimistic: the caller names the ``version`` it read, and a conditional
``UPDATE … WHERE version = expected`` claims the row. When someone else saved first, nothing
is written and :class:`ConflictError` says who changed what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from actionplan import publishing, rules
from actionplan.models import (
    EDITABLE_FIELDS,
    Advice,
    CompletionItem,
    PlanEntry,
    Programme,
    Task,
)
from actionplan.signals import advice_added, entry_saved
from orgs.models import Organization
from pmo import bulk, field_labels, history
from pmo.invalid import Invalid


class EntryInvalid(Invalid):
    """A plan entry's input refused (:class:`pmo.invalid.Invalid`), with which entry it was."""

    def __init__(self, errors: dict[str, str], *, entry_id: int | None = None):
        super().__init__(errors)
        self.entry_id = entry_id  # set by the bulk save: which of its entries


@dataclass
class Change:
    field: str
    label: str
    before: Any
    after: Any


@dataclass
class ConflictError(Exception):
    """Another save came first. ``current`` is the entry as it is now; ``changes`` what the
    other person changed since the version the caller based its edit on."""

    current: PlanEntry
    changed_by: str
    changed_at: dt.datetime | None
    changes: list[Change] = field(default_factory=list)

    def __str__(self) -> str:
        return f"entry {self.current.pk} changed by {self.changed_by}"


@dataclass
class SaveResult:
    entry: PlanEntry
    warnings: list[str]
    changed: bool


def today() -> dt.date:
    return timezone.localdate()


def questions_for(task: Task) -> tuple[rules.Question, ...]:
    """The task's completion items as rule questions (uses a prefetch when present)."""
    return tuple(item.question() for item in task.completion_items.all())


def values_of(obj: Any, data: Mapping[str, Any] | None = None) -> rules.EntryValues:
    """The entry's values with ``data`` laid over them, as the rules see them."""
    data = data or {}
    return rules.EntryValues(
        **{name: data.get(name, getattr(obj, name)) for name in EDITABLE_FIELDS}
    )


def context_for(entry: PlanEntry, *, on: dt.date | None = None) -> rules.Context:
    programme = entry.task.work_item.programme
    return rules.Context(
        today=on or today(),
        span_start=programme.starts_on,
        span_end=programme.ends_on,
        questions=questions_for(entry.task),
    )


def _load(entry_id: int) -> PlanEntry:
    return (
        PlanEntry.objects.select_related("task__work_item__programme", "updated_by", "system")
        .prefetch_related("task__completion_items")
        .get(pk=entry_id)
    )


def conflict_for(entry: PlanEntry, expected_version: int) -> ConflictError:
    """What changed on ``entry`` since ``expected_version`` (from the entry's history)."""
    base = entry.history.filter(version=expected_version).order_by("-history_id").first()
    changes = []
    for name in EDITABLE_FIELDS:
        before = getattr(base, name, None) if base else None
        after = getattr(entry, name)
        if before != after:
            label = field_labels.label(PlanEntry, name)
            changes.append(Change(name, label, before, after))
    who = entry.updated_by.display_name or entry.updated_by.email if entry.updated_by else ""
    return ConflictError(entry, who or gettext("（不明）"), entry.updated_at, changes)


def save_entry(
    user,
    entry_id: int,
    data: Mapping[str, Any],
    expected_version: int,
    *,
    on: dt.date | None = None,
    entry: PlanEntry | None = None,
    with_warnings: bool = True,
    notify: bool = True,
) -> SaveResult:
    """Validate and save ``data`` onto the entry, refusing if it is no longer at
    ``expected_version``. Raises :class:`EntryInvalid` or :class:`ConflictError`; writes
    nothing in either case. Callers check permissions first. ``entry`` may be passed
    preloaded (task, work item, programme, completion items) by bulk callers."""
    entry = entry if entry is not None else _load(entry_id)
    if entry.version != expected_version:
        raise conflict_for(entry, expected_version)
    values = values_of(entry, data)
    if errors := rules.validate(values, context_for(entry, on=on)):
        raise EntryInvalid(errors)
    changed = any(getattr(entry, name) != getattr(values, name) for name in EDITABLE_FIELDS)
    if not changed:
        return SaveResult(entry, warnings_for(entry, values) if with_warnings else [], False)
    if entry.retired_on is not None:
        raise _retired(entry)
    with transaction.atomic():
        claimed = PlanEntry.objects.filter(pk=entry_id, version=expected_version).update(
            version=expected_version + 1
        )
        if not claimed:
            raise conflict_for(_load(entry_id), expected_version)
        for name in EDITABLE_FIELDS:
            setattr(entry, name, getattr(values, name))
        entry.version = expected_version + 1
        entry.updated_by = user
        history.changed_by(entry, user)  # for saves outside a request (import job, shell)
        entry.save()
        if notify:  # bulk callers send one entry_saved for all their rows
            entry_saved.send(PlanEntry, entry_ids=[entry.pk])
    return SaveResult(entry, warnings_for(entry, values) if with_warnings else [], True)


SAVED_COLUMNS = (*EDITABLE_FIELDS, "version", "updated_by", "updated_at")


def _retired(entry: PlanEntry) -> EntryInvalid:
    """A retired target system's entries are kept as they were (restoring makes them editable)."""
    return EntryInvalid(
        {
            "system": gettext(
                "廃止した対象システムの計画は変更できません（復元すると変更できます）。"
            )
        },
        entry_id=entry.pk,
    )


def save_entries(
    user,
    changes: Iterable[tuple[PlanEntry, Mapping[str, Any], int]],
    *,
    on: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """:func:`save_entry` for many entries at once (the sheet import): ``changes`` are
    ``(entry, data, expected_version)`` with each entry preloaded as :func:`save_entry` takes
    it. All or nothing: an entry no longer at its version raises :class:`ConflictError`, an
    invalid one :class:`EntryInvalid` (with ``entry_id``), and nothing is written. Returns
    the ids of the entries that changed (unchanged ones are skipped, as one by one).

    Queries, whatever the number of rows: per batch of :func:`pmo.bulk.max_params` values
    one ``UPDATE … FROM (VALUES …) WHERE version = expected`` (the claim and the write in one
    statement) and one history ``INSERT … SELECT``; then ONE ``entry_saved`` for every
    saved entry, so delay detection judges the import once."""
    pending = []
    for entry, data, expected in changes:
        if entry.version != expected:
            raise conflict_for(entry, expected)
        values = values_of(entry, data)
        if errors := rules.validate(values, context_for(entry, on=on)):
            raise EntryInvalid(errors, entry_id=entry.pk)
        if any(getattr(entry, name) != getattr(values, name) for name in EDITABLE_FIELDS):
            if entry.retired_on is not None:
                raise _retired(entry)
            pending.append((entry, values, expected))
    if not pending:
        return []
    now = timezone.now()
    by = user.pk if user else None
    rows = [
        (entry.pk, expected, *(getattr(values, n) for n in EDITABLE_FIELDS), expected + 1, by, now)
        for entry, values, expected in pending
    ]
    step = max(1, bulk.max_params() // (len(SAVED_COLUMNS) + 2))
    with transaction.atomic():
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            if bulk.update_checked(PlanEntry, SAVED_COLUMNS, chunk, guard="version") != len(chunk):
                raise _stale(chunk, now)  # the transaction rolls back: nothing half-saved
            history.copy_rows(PlanEntry, [row[0] for row in chunk], now, "~", user)
            if progress:
                progress(start + len(chunk), len(rows))
        ids = [row[0] for row in rows]
        entry_saved.send(PlanEntry, entry_ids=ids)
    for entry, values, expected in pending:  # the callers' objects as saved
        for name in EDITABLE_FIELDS:
            setattr(entry, name, getattr(values, name))
        entry.version, entry.updated_by, entry.updated_at = expected + 1, user, now
    return ids


def _stale(chunk: list[tuple], now: dt.datetime) -> Exception:
    """The conflict of the first row of ``chunk`` that another save moved on (the rows this
    save wrote carry its version and time), or :class:`EntryInvalid` for a deleted one."""
    expected = {row[0]: row[1] for row in chunk}
    current = {
        pk: (version, updated_at)
        for pk, version, updated_at in PlanEntry.objects.filter(pk__in=list(expected)).values_list(
            "pk", "version", "updated_at"
        )
    }
    for pk, version in expected.items():
        if pk not in current:
            return EntryInvalid({"task": gettext("この行は削除されました。")}, entry_id=pk)
        if current[pk] != (version + 1, now):
            return conflict_for(_load(pk), version)
    raise AssertionError("a row was not updated, but none is stale")


def warnings_for(entry: PlanEntry, values: rules.EntryValues) -> list[str]:
    """Warnings for one entry (a few queries; the plan page computes them in bulk)."""
    from actionplan import selectors

    milestone = selectors.milestone_for(entry.task, entry.organization)
    dependencies = selectors.dependencies_for(entry)
    return rules.warnings(values, milestone, dependencies)


@transaction.atomic
def add_advice(user, organization: Organization, programme: Programme, body: str) -> Advice:
    body = body.strip()
    if not body:
        raise EntryInvalid({"body": gettext("助言の内容を入力してください。")})
    if len(body) > 4000:
        raise EntryInvalid({"body": gettext("助言は4,000文字以内で入力してください。")})
    with transaction.atomic():
        advice = Advice.objects.create(
            organization=organization,
            programme=programme,
            author=user,
            author_organization=user.organization,
            body=body,
        )
        advice_added.send(sender=Advice, advice=advice)
    return advice


def acknowledge_advice(user, advice: Advice) -> bool:
    """The organisation has read the advice: it leaves the organisation's TOP. ``False`` when
    someone acknowledged it first (one conditional UPDATE)."""
    return bool(
        Advice.objects.filter(pk=advice.pk, acknowledged_at=None).update(
            acknowledged_at=timezone.now(), acknowledged_by=user
        )
    )


# --- Programme definitions (the seed, an uploaded .xlsx, both the same shape) ---------------


@transaction.atomic
def load_programme(definition: Mapping[str, Any]) -> Programme:
    """Create or update a programme from a definition (idempotent; see :mod:`actionplan.seed`).

    ``definition``: name, starts_on, ends_on, plan_deadline, significant_delay_days?,
    work_items: [{code, name, response, notes, applies_to, bureaus, tasks: [{name, weight,
    per_system, needs_procurement, applies_to, milestones: [{due_on, kind, class}],
    depends_on: ["B:タスク名"], completion_items: [{label, kind, required, choices, unit?,
    min_value?, max_value?}]}]}].
    """
    programme, _ = Programme.objects.update_or_create(
        name=definition["name"],
        defaults={
            "starts_on": definition["starts_on"],
            "ends_on": definition["ends_on"],
            "plan_deadline": definition["plan_deadline"],
            "significant_delay_days": definition.get("significant_delay_days", 30),
        },
    )
    tasks: dict[str, Task] = {}
    for order, item in enumerate(definition["work_items"], start=1):
        work_item = _load_work_item(programme, item, order)
        for task_order, spec in enumerate(item.get("tasks", []), start=1):
            tasks[f"{item['code']}:{spec['name']}"] = _load_task(work_item, spec, task_order)
    for item in definition["work_items"]:
        for spec in item.get("tasks", []):
            task = tasks[f"{item['code']}:{spec['name']}"]
            missing = [key for key in spec.get("depends_on", []) if key not in tasks]
            if missing:
                raise EntryInvalid(
                    {
                        "depends_on": gettext("前提タスクが見つかりません: %(tasks)s")
                        % {"tasks": ", ".join(missing)}
                    }
                )
            task.depends_on.set([tasks[key] for key in spec.get("depends_on", [])])
    publishing.programme_changed(programme)  # new tasks of a published programme get their entries
    return programme


def _load_work_item(programme: Programme, item: Mapping[str, Any], order: int):
    work_item, _ = programme.work_items.update_or_create(
        code=item["code"],
        defaults={
            "name": item["name"],
            "response": item.get("response", ""),
            "notes": item.get("notes", ""),
            "applies_to": list(item.get("applies_to", [])),
            "order": order,
        },
    )
    bureaus = Organization.objects.filter(code__in=item.get("bureaus", []))
    work_item.responsible_bureaus.set(bureaus)
    return work_item


def _load_task(work_item, spec: Mapping[str, Any], order: int) -> Task:
    task, _ = Task.objects.update_or_create(
        work_item=work_item,
        name=spec["name"],
        defaults={
            "order": order,
            "weight": spec.get("weight", 1),
            "per_system": spec.get("per_system", False),
            "needs_procurement": spec.get("needs_procurement", True),
            "applies_to": list(spec.get("applies_to", [])),
        },
    )
    keep = []
    for milestone in spec.get("milestones", []):
        obj, _ = task.milestones.update_or_create(
            organization_kind=milestone.get("kind", ""),
            municipality_class=milestone.get("class", ""),
            defaults={"due_on": milestone["due_on"], "label": milestone.get("label", "")},
        )
        keep.append(obj.pk)
    task.milestones.exclude(pk__in=keep).delete()
    keep = []
    for item_order, question in enumerate(spec.get("completion_items", []), start=1):
        item, _ = CompletionItem.objects.update_or_create(
            task=task,
            label=question["label"],
            defaults={
                "kind": rules.kind_of(question.get("kind", CompletionItem.Kind.LONG_TEXT)),
                "required": question.get("required", True),
                "choices": "\n".join(question.get("choices", [])),
                "unit": question.get("unit", ""),
                "min_value": question.get("min_value"),
                "max_value": question.get("max_value"),
                "order": item_order,
            },
        )
        keep.append(item.pk)
    task.completion_items.exclude(pk__in=keep).delete()
    return task
