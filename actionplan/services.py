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

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext

from actionplan import rules
from actionplan.models import (
    EDITABLE_FIELDS,
    Advice,
    CompletionItem,
    OrganizationSystem,
    PlanEntry,
    Programme,
    Status,
    TargetSystem,
    Task,
)
from orgs.models import LOCAL_KINDS, Organization
from pmo import bulk, field_labels, history

# Sent inside the transaction that saved entries, once per save or once per sheet import with
# every id, so a receiver (delay detection re-judging) can work in bulk and commit or roll
# back with the entries. kwargs: entry_ids: list[int]
entry_saved = Signal()
# Sent inside the transaction that wrote the advice, so the organisation is told (review
# listens: a review event and its notices commit or roll back with the advice).
# kwargs: advice: Advice
advice_added = Signal()


class EntryInvalid(Exception):
    def __init__(self, errors: dict[str, str], *, entry_id: int | None = None):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
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
            _history_rows([row[0] for row in chunk], now, "~", user)
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


def applicable_tasks(organization: Organization, programme: Programme) -> list[Task]:
    if organization.kind not in LOCAL_KINDS:
        return []  # ministries review plans; only local governments and associations have one
    tasks = Task.objects.filter(work_item__programme=programme).select_related("work_item")
    return [task for task in tasks if rules.applies(task.applicable_kinds, organization.kind)]


# --- Entries for every applicable organisation ---------------------------------------------
#
# A published programme has an entry for every applicable organisation × task (× target system
# for G): nobody has to open a page for an organisation to be counted, judged and reported.
# :func:`create_entries` is the one path that creates entries; publishing, new organisations,
# new tasks and newly listed target systems all end in it.

ORGANIZATIONS_PER_CHUNK = 200  # bounds memory: ≈11k seed entries, ≈160k 20 × 40 ones
ENTRY_COLUMNS = (
    "organization_id",
    "task_id",
    "system_id",
    "status",
    "not_applicable_reason",
    "progress",
    "remarks",
    "completion",
    "version",
    "updated_at",
)


@transaction.atomic
def publish(programme: Programme) -> int:
    """Publish the programme: from now on every applicable organisation has its entries.
    Creates the missing ones (all of them the first time, none on a second call) and returns
    how many. One transaction: the entries, their history, judgement and rollup, or nothing."""
    Programme.objects.filter(pk=programme.pk, published_at=None).update(published_at=timezone.now())
    programme.refresh_from_db(fields=["published_at"])
    return create_entries(programme)


def ensure_entries(organization: Organization, programme: Programme) -> int:
    """Create the entries one organisation should have (idempotent). Returns how many."""
    return create_entries(programme, [organization.pk])


def organizations_added(organization_ids: Iterable[int]) -> int:
    """New organisations get their entries in every published programme."""
    ids = list(organization_ids)
    return sum(create_entries(programme, ids) for programme in _published()) if ids else 0


def systems_listed(organization: Organization) -> int:
    """After target systems were listed for the organisation: G's rows for them in every
    published programme."""
    return sum(create_entries(programme, [organization.pk]) for programme in _published())


def programme_changed(programme: Programme) -> int:
    """After tasks were added (admin, a reloaded definition): the published programme's new
    tasks get their entries for every applicable organisation."""
    return create_entries(programme) if programme.is_published else 0


def _published():
    return Programme.objects.filter(published_at__isnull=False)


@transaction.atomic
def create_entries(programme: Programme, organization_ids: Iterable[int] | None = None) -> int:
    """Create every missing entry of ``programme`` for the applicable organisations (all
    local governments and associations, or those of ``organization_ids``). Idempotent.

    Rows are written with multi-row INSERTs in chunks of organisations, each new entry gets
    its "created" history record (copied in SQL), and all new entries are announced with ONE
    ``entry_saved``, so delay detection judges them in one pass and updates the rollup once:
    a new entry without a plan may already be late. Queries: a few per chunk of
    :data:`ORGANIZATIONS_PER_CHUNK` organisations plus the judging (a few per 1,000 entries).
    """
    tasks = list(Task.objects.filter(work_item__programme=programme).select_related("work_item"))
    if not tasks:
        return 0
    organizations = Organization.objects.filter(kind__in=LOCAL_KINDS, is_active=True)
    if organization_ids is not None:
        organizations = organizations.filter(pk__in=list(organization_ids))
    targets = list(organizations.order_by("pk").values_list("pk", "kind"))
    created: list[int] = []
    now = timezone.now()
    for start in range(0, len(targets), ORGANIZATIONS_PER_CHUNK):
        chunk = targets[start : start + ORGANIZATIONS_PER_CHUNK]
        created += _create_chunk(programme, tasks, chunk, now)
    if created:
        entry_saved.send(PlanEntry, entry_ids=created)
    return len(created)


def _create_chunk(programme, tasks: list[Task], chunk: list[tuple[int, str]], now) -> list[int]:
    org_ids = [pk for pk, _ in chunk]
    systems: dict[int, list[int]] = {pk: [] for pk in org_ids}
    if any(task.per_system for task in tasks):
        for org_id, system_id in OrganizationSystem.objects.filter(
            organization_id__in=org_ids, retired_on=None
        ).values_list("organization_id", "system_id"):
            systems[org_id].append(system_id)
    entries = PlanEntry.objects.filter(
        organization_id__in=org_ids, task__work_item__programme=programme
    )
    existing = set(entries.values_list("organization_id", "task_id", "system_id"))
    rows = [
        [org_id, task.pk, system_id, Status.NOT_STARTED, "", 0, "", "{}", 1, now]
        for org_id, kind in chunk
        for task in tasks
        if rules.applies(task.applicable_kinds, kind)
        for system_id in (systems[org_id] if task.per_system else [None])
        if (org_id, task.pk, system_id) not in existing
    ]
    if not rows:
        return []
    # Another writer may have created some of them meanwhile: theirs stay, ours are skipped.
    bulk.insert(PlanEntry, ENTRY_COLUMNS, rows, skip_conflicts=True)
    new = [
        pk
        for pk, *key in entries.values_list("pk", "organization_id", "task_id", "system_id")
        if tuple(key) not in existing
    ]
    _history_rows(new, now, "+")
    return new


def _history_rows(entry_ids: list[int], now, kind: str, user=None) -> None:
    """A history record of each entry as it now stands, copied from the entry in SQL
    (``kind``: "+" created, "~" changed; ``user`` the history's user). One statement per
    :func:`pmo.bulk.max_params` ids."""
    history = PlanEntry.history.model
    quote = connection.ops.quote_name
    copied = [
        f.column for f in history._meta.concrete_fields if not f.column.startswith("history_")
    ]
    names = ", ".join(quote(c) for c in copied)
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608
        f"({names}, history_date, history_type, history_user_id) "
        f"SELECT {names}, %s, %s, %s FROM {quote(PlanEntry._meta.db_table)} WHERE id IN "
    )
    step = bulk.max_params() - 3
    with connection.cursor() as cursor:
        for start in range(0, len(entry_ids), step):
            chunk = entry_ids[start : start + step]
            placeholders = "(" + ", ".join(["%s"] * len(chunk)) + ")"
            params = [bulk.adapt(now), kind, user.pk if user else None, *chunk]
            cursor.execute(sql + placeholders, params)


@transaction.atomic
def add_system(user, organization: Organization, name: str) -> OrganizationSystem:
    """List a target system for the organisation: a shared one by name, or its own."""
    name = name.strip()
    if not name:
        raise EntryInvalid({"system": gettext("システム名を入力してください。")})
    system = TargetSystem.objects.filter(name=name, organization=None).first()
    if system is None:
        system, _ = TargetSystem.objects.get_or_create(name=name, organization=organization)
    link, created = OrganizationSystem.objects.get_or_create(
        organization=organization, system=system
    )
    if not created and link.retired_on is not None:
        raise EntryInvalid(
            {
                "system": gettext(
                    "「%(name)s」は廃止済みです。使うときは一覧の「復元」を押してください。"
                )
                % {"name": name}
            }
        )
    if not created:
        raise EntryInvalid({"system": gettext("「%(name)s」は登録済みです。") % {"name": name}})
    systems_listed(organization)
    return link


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
    programme_changed(programme)  # new tasks of a published programme get their entries
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
