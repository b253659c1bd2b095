"""Reads of the action plan. :func:`plan` builds the whole plan (the sheet, the exports) in a
fixed number of queries (entries, milestones, completion items, dependencies), whatever the
number of rows; the plan page (``paged``) reads only the rows it shows, also in a fixed number
of queries; :func:`row` builds one row; :func:`place` finds a row's page. A row itself is
:mod:`actionplan.rows`, what it waits for :mod:`actionplan.prerequisites`, an entry's change
history :mod:`actionplan.entry_history`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils.translation import gettext

from actionplan import rules
from actionplan.models import (
    PLAN_ORDER,
    CompletionItem,
    Milestone,
    PlanEntry,
    Programme,
    Status,
    Task,
    WorkItem,
)
from actionplan.prerequisites import (
    ShownPrerequisites,
    by_system,
    by_task,
    prerequisites_of,
    summed,
)
from actionplan.rows import Row, Scale, build_row, entry_values
from orgs.models import Organization


def milestone_rules(queryset) -> dict[int, list[rules.MilestoneRule]]:
    found: dict[int, list[rules.MilestoneRule]] = defaultdict(list)
    for task_id, due_on, kind, klass in queryset.values_list(
        "task_id", "due_on", "organization_kind", "municipality_class"
    ):
        found[task_id].append(rules.MilestoneRule(due_on, kind, klass))
    return found


def milestone_for(task: Task, organization: Organization) -> dt.date | None:
    found = milestone_rules(Milestone.objects.filter(task=task))
    return rules.choose_milestone(
        found[task.pk], organization.kind, organization.municipality_class
    )


def dependencies_for(entry: PlanEntry) -> list[rules.Dependency]:
    """The entry's prerequisites as its organisation stands on them (two queries)."""
    prerequisites = list(entry.task.depends_on.all())
    found = PlanEntry.objects.filter(
        organization_id=entry.organization_id, task__in=prerequisites
    ).select_related("task", "system")
    return prerequisites_of(entry, [t.pk for t in prerequisites], by_task(found))


@dataclass
class Group:
    work_item: WorkItem
    rows: list[Row]


# A plan longer than this is shown one work item at a time, and a work item longer than this
# one page at a time (G of an organisation with 1,661 target systems has 4,983 rows: building
# and rendering them all took seconds and 10 MB of HTML for a page nobody reads whole).
PAGE_ROWS = 250


@dataclass
class Section:
    """A work item in the index of a plan shown one work item at a time."""

    work_item: WorkItem
    rows: int
    current: bool


@dataclass
class Plan:
    organization: Organization
    programme: Programme
    groups: list[Group]
    as_of: dt.datetime | None
    ticks: list[tuple[float, str]]
    # Empty when the whole plan is on the page; else every work item, the shown one current.
    sections: list[Section] = field(default_factory=list)
    page: Page | None = None  # the shown work item's page, when it has more than PAGE_ROWS

    @property
    def page_rows(self) -> int:
        return PAGE_ROWS

    @property
    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rows]


def entries(
    organization: Organization,
    programme: Programme,
    as_of: dt.datetime | None = None,
    *,
    work_item: WorkItem | None = None,
):
    """The organisation's entries, now or as they stood at ``as_of`` (from the history), in
    the plan's order; with ``work_item`` (one of the programme's) its entries only, without
    joining the work items to filter or sort them."""
    where = (
        {"task__work_item": work_item} if work_item else {"task__work_item__programme": programme}
    )
    if as_of is None:
        found = PlanEntry.objects.filter(organization=organization, **where)
    else:
        # Each entry's latest record by then (history's latest_of_each, but asking only for a
        # later record of the same entry: found by the id index alone, where the organisation
        # and programme filters in that subquery led Postgres to one bitmap of the whole
        # organisation's history per record, 0.6 s at 5,000 rows).
        later = PlanEntry.history.filter(
            id=OuterRef("id"), history_date__gt=OuterRef("history_date"), history_date__lte=as_of
        )
        found = (
            PlanEntry.history.filter(organization=organization, history_date__lte=as_of, **where)
            .filter(~Exists(later))
            .exclude(history_type="-")
        )
    return found.select_related("task__work_item", "system", "updated_by").order_by(
        *(PLAN_ORDER[2:] if work_item else PLAN_ORDER)
    )


def plan(
    organization: Organization,
    programme: Programme,
    *,
    as_of: dt.datetime | None = None,
    paged: bool = False,
    item: str | None = None,
    page: Any = 1,
) -> Plan:
    """The plan's data. Unpaged (the sheet, the exports): every row, in four queries.
    ``paged`` (the plan page): up to :data:`PAGE_ROWS` entries the whole plan; beyond, the
    work item ``item`` (its code; the first one by default or when unknown) and its ``page``,
    with every work item in ``sections`` — see :func:`_paged`."""
    if paged:
        return _paged(organization, programme, as_of, item, page)
    rows_source = list(entries(organization, programme, as_of))
    milestones = milestone_rules(Milestone.objects.filter(task__work_item__programme=programme))
    questions = _questions(CompletionItem.objects.filter(task__work_item__programme=programme))
    links = Task.depends_on.through.objects.filter(from_task__work_item__programme=programme)
    depends = _depends(links)
    of_task, of_system = by_task(rows_source), by_system(rows_source)
    scale = Scale(programme.starts_on, programme.ends_on)
    groups: dict[int, Group] = {}
    for entry in rows_source:
        dependencies = prerequisites_of(entry, depends[entry.task_id], of_task, of_system)
        row = build_row(organization, entry, milestones, questions, dependencies, scale)
        work_item = entry.task.work_item
        groups.setdefault(work_item.pk, Group(work_item, [])).rows.append(row)
    return Plan(organization, programme, list(groups.values()), as_of, scale.ticks())


class _Counted:
    """Entries whose number is already known (the section index counted them): the paginator
    slices them, one bounded query for the page, without counting them again."""

    def __init__(self, queryset, rows: int):
        self.queryset, self.rows = queryset, rows

    def __len__(self) -> int:
        return self.rows

    def __getitem__(self, index: slice) -> list:
        # The page's ids sorted alone (narrow rows: a sort in memory, not 5,000 wide rows
        # spilled to disk), then those rows read whole.
        ids = self.queryset.values("pk")[index]
        return list(self.queryset.filter(pk__in=ids))


def _paged(
    organization: Organization,
    programme: Programme,
    as_of: dt.datetime | None,
    item: str | None,
    page: Any,
) -> Plan:
    """The plan page, reading only what it shows, in seven queries at any size: one
    aggregate over the organisation's entries, a row per task (the section index counts
    from it, and each prerequisite task is summed up as :func:`rules.combine` would: F waits
    for G テスト on all 1,661 systems, one row, not 1,661 entries); the work items; the shown
    rows (the whole plan up to :data:`PAGE_ROWS`, else one page of one work item: LIMIT and
    OFFSET on the plan's order within it); the programme's milestones, completion items and
    dependencies. An eighth when a shown row waits for the same target system's entry of
    another task (G 設計 → 製造): those entries of the shown systems. The rows are those
    :func:`plan` builds from every entry (tests/actionplan/test_plan_page_reads.py)."""
    source = entries(organization, programme, as_of)
    live, counted = Q(retired_on=None), ~Q(status=Status.NOT_APPLICABLE)
    tasks = list(
        source.order_by()
        .values("task_id", "task__work_item_id")
        .annotate(
            rows=Count("id"),
            live=Count("id", filter=live),
            end=Max("planned_end", filter=live & counted),
            counted=Count("id", filter=live & counted),
            not_started=Count("id", filter=live & Q(status=Status.NOT_STARTED)),
            in_progress=Count("id", filter=live & Q(status=Status.IN_PROGRESS)),
        )
    )
    counts: dict[int, int] = defaultdict(int)
    for found in tasks:
        counts[found["task__work_item_id"]] += found["rows"]
    work_items = [w for w in programme.work_items.order_by("order", "code") if w.pk in counts]
    sections: list[Section] = []
    shown_page: Page | None = None
    if sum(counts.values()) <= PAGE_ROWS:
        shown = list(source)
    else:
        current = next((w for w in work_items if w.code == item), work_items[0])
        sections = [Section(w, counts[w.pk], w is current) for w in work_items]
        in_item = entries(organization, programme, as_of, work_item=current)
        # Paginator only counts and slices it (its protocol asks for indexing and iteration).
        rows = cast(Any, _Counted(in_item, counts[current.pk]))
        shown_page = Paginator(rows, PAGE_ROWS).get_page(page)
        shown = list(shown_page.object_list)
        if shown_page.paginator.num_pages == 1:
            shown_page = None
    milestones = milestone_rules(Milestone.objects.filter(task__work_item__programme=programme))
    questions = _questions(CompletionItem.objects.filter(task__work_item__programme=programme))
    links = (
        Task.depends_on.through.objects.filter(from_task__work_item__programme=programme)
        .order_by("pk")
        .values_list("from_task_id", "to_task_id", "to_task__name", "to_task__per_system")
    )
    dependencies = ShownPrerequisites(source, shown, tasks, links)
    scale = Scale(programme.starts_on, programme.ends_on)
    groups: dict[int, Group] = {}
    for entry in shown:
        row = build_row(organization, entry, milestones, questions, dependencies.of(entry), scale)
        work_item = entry.task.work_item
        groups.setdefault(work_item.pk, Group(work_item, [])).rows.append(row)
    return Plan(
        organization,
        programme,
        list(groups.values()),
        as_of,
        scale.ticks(),
        sections=sections,
        page=shown_page,
    )


def place(entry: PlanEntry) -> dict[str, Any]:
    """Where ``entry`` is shown on its plan page: ``{}`` when the whole plan is on one page,
    else the query of its work item and page (two queries of ids)."""
    plan_entries = PlanEntry.objects.filter(
        organization_id=entry.organization_id,
        task__work_item__programme_id=entry.task.work_item.programme_id,
    )
    if plan_entries.count() <= PAGE_ROWS:
        return {}
    work_item = entry.task.work_item
    ids = list(
        plan_entries.filter(task__work_item=work_item)
        .order_by(*PLAN_ORDER[2:])
        .values_list("pk", flat=True)
    )
    place: dict[str, str | int] = {"item": work_item.code}
    if len(ids) > PAGE_ROWS:
        place["page"] = ids.index(entry.pk) // PAGE_ROWS + 1
    return place


def row(organization: Organization, programme: Programme, entry: PlanEntry) -> Row | None:
    """One row of :func:`plan`, the same in every value, in five small queries whatever the
    size of the plan: the edit form and the save answer show one row and need not build the
    others. The prerequisites (one query) are read as
    :func:`actionplan.prerequisites.prerequisites_of` reads them: the same target system's
    entry of a per-system prerequisite of a G row (one query with the row itself), and every
    other prerequisite summed up in SQL (F waits for G テスト on every system: one aggregate
    row per task, not an entry per system). The completion items come from ``entry``'s
    prefetch of ``task__completion_items`` when it has one."""
    links = list(
        Task.depends_on.through.objects.filter(from_task_id=entry.task_id)
        .order_by("pk")
        .values_list("to_task_id", "to_task__name", "to_task__per_system")
    )
    same_system = [pk for pk, _, per_system in links if per_system and entry.system_id]
    wanted = Q(pk=entry.pk)
    if same_system:
        wanted |= Q(task_id__in=same_system, system_id=entry.system_id)
    rows_source = list(PlanEntry.objects.for_plan(organization, programme).filter(wanted))
    current = next((found for found in rows_source if found.pk == entry.pk), None)
    if current is None:
        return None
    of_task = by_task(found for found in rows_source if found.pk != entry.pk)
    combined = [pk for pk, _, _ in links if pk not in same_system]
    sums = summed(organization, combined) if combined else {}
    dependencies = []
    for pk, name, _ in links:
        if pk in sums:
            dependencies.append(dataclasses.replace(sums[pk], name=name))
        elif of_task.get(pk):
            other = of_task[pk][0]
            system = other.system.name if other.system else ""
            name = gettext("%(task)s（%(system)s）") % {"task": name, "system": system}
            dependencies.append(rules.combine(name, [entry_values(other)]))
    milestones = milestone_rules(Milestone.objects.filter(task_id=entry.task_id))
    # The task's completion items (in their order) from ``entry``'s prefetch when it has one:
    # a row save reads them once for the form, the save and the answer.
    questions = {entry.task_id: list(entry.task.completion_items.all())}
    scale = Scale(programme.starts_on, programme.ends_on)
    return build_row(organization, current, milestones, questions, dependencies, scale)


def _questions(queryset) -> dict[int, list[CompletionItem]]:
    questions: dict[int, list[CompletionItem]] = defaultdict(list)
    for item in queryset.order_by("order", "pk"):
        questions[item.task_id].append(item)
    return questions


def _depends(queryset) -> dict[int, list[int]]:
    """Prerequisite task ids by task, in a fixed order (the warnings list them in it)."""
    depends: dict[int, list[int]] = defaultdict(list)
    for source, target in queryset.order_by("pk").values_list("from_task_id", "to_task_id"):
        depends[source].append(target)
    return depends
