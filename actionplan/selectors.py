"""Reads of the action plan. :func:`plan` builds the whole plan (the sheet, the exports) in a
fixed number of queries (entries, milestones, completion items, dependencies), whatever the
number of rows; the plan page (``paged``) reads only the rows it shows, also in a fixed number
of queries; :func:`row` builds one row."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import holidays
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from actionplan import rules
from actionplan.models import (
    EDITABLE_FIELDS,
    PLAN_ORDER,
    CompletionItem,
    Milestone,
    PlanEntry,
    Programme,
    Status,
    Task,
    WorkItem,
)
from orgs.models import Organization
from pmo import field_labels
from pmo import questions as kinds


@lru_cache(maxsize=8)
def _japan_holidays(years: tuple[int, ...], language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=years, language=language)


def holiday_name(day: dt.date | None) -> str:
    """The name of the Japanese public holiday on ``day`` ('' when it is a working day), in
    the active language (the holidays library names them in Japanese and in English)."""
    if day is None:
        return ""
    language = "ja" if (translation.get_language() or "ja").startswith("ja") else "en_US"
    years = tuple(range(day.year - 1, day.year + 2))
    return _japan_holidays(years, language).get(day, "") or ""


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
    return prerequisites_of(entry, [t.pk for t in prerequisites], _by_task(found))


def _by_system(entries) -> dict[tuple[int, int], list[PlanEntry]]:
    grouped: dict[tuple[int, int], list[PlanEntry]] = defaultdict(list)
    for entry in entries:
        if entry.system_id:
            grouped[entry.task_id, entry.system_id].append(entry)
    return grouped


def _by_task(entries) -> dict[int, list[PlanEntry]]:
    grouped: dict[int, list[PlanEntry]] = defaultdict(list)
    for entry in entries:
        grouped[entry.task_id].append(entry)
    return grouped


def prerequisites_of(
    entry,
    prerequisite_ids: list[int],
    by_task: dict[int, list],
    by_system: dict[tuple[int, int], list] | None = None,
) -> list[rules.Dependency]:
    """Each prerequisite task of ``entry`` from the organisation's entries of it: for a task
    done per target system after another per-system task (G 設計 → 製造 → テスト) the same
    system's entry, otherwise all of them (F waits for G テスト on every system).
    ``by_system`` (:func:`_by_system` of the same entries) finds the same system's entry
    without reading every system's (a 5,000-row plan has 1,661 per task)."""
    found = []
    for task_id in prerequisite_ids:
        # A retired target system's entries no longer hold anything up.
        entries = [e for e in by_task.get(task_id, ()) if getattr(e, "retired_on", None) is None]
        if not entries:
            continue
        task = entries[0].task
        if entry.system_id and task.per_system:
            if by_system is not None:
                entries = by_system.get((task_id, entry.system_id), [])
            else:
                entries = [other for other in entries if other.system_id == entry.system_id]
            if not entries:
                continue
            name = gettext("%(task)s（%(system)s）") % {
                "task": task.name,
                "system": entries[0].system.name,
            }
        else:
            name = task.name
        found.append(rules.combine(name, [_values(other) for other in entries]))
    return found


@dataclass
class Bar:
    left: float
    width: float


@dataclass
class Row:
    entry: Any  # PlanEntry, or its historical record when read as of a date
    milestone: dt.date | None
    milestone_holiday: str
    questions: list[CompletionItem]
    warnings: list[str]
    planned: Bar | None = None
    actual: Bar | None = None
    milestone_at: float | None = None
    answers: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        # What get_status_display shows, without hashing every lazy choice label (each a
        # translation lookup) on each row.
        return str(_STATUS_LABELS.get(self.entry.status, self.entry.status))

    # What the row template shows, computed once per row or once per language instead of by
    # template tags on each row (at 5,000 rows each tag costs tens of milliseconds).

    @property
    def labels(self) -> dict[str, str]:
        return _row_labels(translation.get_language())

    @property
    def planned_text(self) -> str:
        return _span(self.entry.planned_start, self.entry.planned_end)

    @property
    def actual_text(self) -> str:
        return _span(self.entry.actual_start, self.entry.actual_end)

    @property
    def edit_label(self) -> str:
        return gettext("%(task)sを編集") % {"task": self.entry.task.name}


_STATUS_LABELS = dict(Status.choices)
ROW_LABELS = {
    "plan": gettext_lazy("計画"),
    "actual": gettext_lazy("実績"),
    "status": gettext_lazy("状況"),
    "progress": gettext_lazy("進捗"),
    "not_entered": gettext_lazy("未入力"),
    "edit": gettext_lazy("編集"),
    "history": gettext_lazy("変更履歴"),
    "last_updated": gettext_lazy("最終更新"),
    "show_history": gettext_lazy("履歴を表示"),
}


@lru_cache(maxsize=8)
def _row_labels(language: str | None) -> dict[str, str]:
    with translation.override(language):
        return {key: str(label) for key, label in ROW_LABELS.items()}


def _span(start: dt.date | None, end: dt.date | None) -> str:
    """``2015/04/01〜2015/06/30`` (— for a missing end), or '' when neither is set."""
    if start is None and end is None:
        return ""
    first = f"{start:%Y/%m/%d}" if start else "—"
    last = f"{end:%Y/%m/%d}" if end else "—"
    return gettext("%(start)s〜%(end)s") % {"start": first, "end": last}


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
    by_task, by_system = _by_task(rows_source), _by_system(rows_source)
    scale = _Scale(programme.starts_on, programme.ends_on)
    groups: dict[int, Group] = {}
    for entry in rows_source:
        dependencies = prerequisites_of(entry, depends[entry.task_id], by_task, by_system)
        row = _row(organization, entry, milestones, questions, dependencies, scale)
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
    dependencies = _Prerequisites(source, shown, tasks, links)
    scale = _Scale(programme.starts_on, programme.ends_on)
    groups: dict[int, Group] = {}
    for entry in shown:
        row = _row(organization, entry, milestones, questions, dependencies.of(entry), scale)
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


class _Prerequisites:
    """The shown entries' prerequisites, the same as :func:`prerequisites_of` over every
    entry of the plan, from the per-task aggregate of :func:`_paged` and one query of the
    shown target systems' entries of per-system tasks. Per prerequisite task: none when all
    its entries are of retired target systems; for a per-system task and an entry with a
    system, that system's entry (a retired one too, as there); otherwise every entry of the
    task combined, 対象外 not counted."""

    def __init__(self, source, shown: list, tasks: list[dict], links):
        self.depends: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
        for source_id, target_id, name, per_system in links:
            self.depends[source_id].append((target_id, name, per_system))
        self.combined: dict[int, rules.Dependency] = {}
        for found in tasks:
            if not found["live"]:
                continue  # a retired target system's entries no longer hold anything up
            if not found["counted"]:
                status = Status.DONE  # nothing to wait for
            elif found["not_started"]:
                status = Status.NOT_STARTED
            else:
                status = Status.IN_PROGRESS if found["in_progress"] else Status.DONE
            self.combined[found["task_id"]] = rules.Dependency("", found["end"], status)
        self.same_system: dict[tuple[int, int], tuple[str, list[rules.EntryValues]]] = {}
        wanted, systems = set(), set()
        for entry in shown:
            for task_id, _, per_system in self.depends.get(entry.task_id, ()):
                if entry.system_id and per_system:
                    wanted.add(task_id)
                    systems.add(entry.system_id)
        if not wanted:
            return  # no shown row waits for the same system's entry of another task
        found = (
            source.order_by()
            .filter(task_id__in=wanted, system_id__in=systems)
            .values("task_id", "system_id", "system__name", "planned_end", "status")
        )
        for values in found:
            key = values["task_id"], values["system_id"]
            self.same_system.setdefault(key, (values["system__name"], []))[1].append(
                rules.EntryValues(planned_end=values["planned_end"], status=values["status"])
            )

    def of(self, entry) -> list[rules.Dependency]:
        found = []
        for task_id, name, per_system in self.depends.get(entry.task_id, ()):
            if task_id not in self.combined:
                continue
            if entry.system_id and per_system:
                if (task_id, entry.system_id) not in self.same_system:
                    continue
                system, values = self.same_system[task_id, entry.system_id]
                label = gettext("%(task)s（%(system)s）") % {"task": name, "system": system}
                found.append(rules.combine(label, values))
            else:
                found.append(dataclasses.replace(self.combined[task_id], name=name))
        return found


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
    others. The prerequisites (one query) are read as :func:`prerequisites_of` reads them: the
    same target system's entry of a per-system prerequisite of a G row (one query with the
    row itself), and every other prerequisite summed up in SQL (F waits for G テスト on every
    system: one aggregate row per task, not an entry per system). The completion items come
    from ``entry``'s prefetch of ``task__completion_items`` when it has one."""
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
    by_task = _by_task(found for found in rows_source if found.pk != entry.pk)
    combined = [pk for pk, _, _ in links if pk not in same_system]
    summed = _combined(organization, combined) if combined else {}
    dependencies = []
    for pk, name, _ in links:
        if pk in summed:
            dependencies.append(dataclasses.replace(summed[pk], name=name))
        elif by_task.get(pk):
            other = by_task[pk][0]
            system = other.system.name if other.system else ""
            name = gettext("%(task)s（%(system)s）") % {"task": name, "system": system}
            dependencies.append(rules.combine(name, [_values(other)]))
    milestones = milestone_rules(Milestone.objects.filter(task_id=entry.task_id))
    # The task's completion items (in their order) from ``entry``'s prefetch when it has one:
    # a row save reads them once for the form, the save and the answer.
    questions = {entry.task_id: list(entry.task.completion_items.all())}
    scale = _Scale(programme.starts_on, programme.ends_on)
    return _row(organization, current, milestones, questions, dependencies, scale)


def _combined(organization: Organization, task_ids: list[int]) -> dict[int, rules.Dependency]:
    """:func:`rules.combine` over each task's entries of the organisation, in one aggregate
    query: the latest planned end and the least progressed status, 対象外 not counted."""
    counted = ~Q(status=Status.NOT_APPLICABLE)
    sums = (
        PlanEntry.objects.filter(organization=organization, task_id__in=task_ids)
        .values("task_id")
        .annotate(
            end=Max("planned_end", filter=counted),
            counted=Count("pk", filter=counted),
            not_started=Count("pk", filter=Q(status=Status.NOT_STARTED)),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
        )
        .order_by()
    )
    found = {}
    for item in sums:
        if not item["counted"]:
            status = Status.DONE  # nothing to wait for
        elif item["not_started"]:
            status = Status.NOT_STARTED
        else:
            status = Status.IN_PROGRESS if item["in_progress"] else Status.DONE
        found[item["task_id"]] = rules.Dependency("", item["end"], status)
    return found


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


def _row(organization, entry, milestones, questions, dependencies, scale: _Scale) -> Row:
    milestone = rules.choose_milestone(
        milestones[entry.task_id], organization.kind, organization.municipality_class
    )
    items = questions[entry.task_id]
    return Row(
        entry=entry,
        milestone=milestone,
        milestone_holiday=holiday_name(milestone),
        questions=items,
        warnings=rules.warnings(_values(entry), milestone, dependencies),
        planned=scale.bar(entry.planned_start, entry.planned_end),
        actual=scale.bar(entry.actual_start, entry.actual_end or _today_if(entry)),
        milestone_at=scale.at(milestone),
        answers=[(item.label, _shown(item, entry.completion)) for item in items],
    )


def _shown(item: CompletionItem, answers: dict | None) -> str:
    return kinds.display(item.question().spec, (answers or {}).get(str(item.pk)))


def _answered(item: CompletionItem | None, key: str, value: Any) -> str:
    """「label: answer」 in a history row (an item removed since: its key, the raw answer)."""
    if item is None:
        return f"{key}: {value}"
    return f"{item.label}: {kinds.display(item.question().spec, value)}"


def _values(entry) -> rules.EntryValues:
    return rules.EntryValues(
        planned_start=entry.planned_start,
        planned_end=entry.planned_end,
        actual_start=entry.actual_start,
        actual_end=entry.actual_end,
        status=entry.status,
    )


def _today_if(entry) -> dt.date | None:
    # An unfinished task's actual bar runs to today.
    return timezone.localdate() if entry.actual_start and not entry.actual_end else None


class _Scale:
    """Positions on the programme's span as percentages of the timeline's width."""

    def __init__(self, start: dt.date, end: dt.date):
        self.start, self.end = start, end
        self.days = max((end - start).days, 1)

    def at(self, day: dt.date | None) -> float | None:
        if day is None:
            return None
        clamped = min(max(day, self.start), self.end)
        return round((clamped - self.start).days * 100 / self.days, 2)

    def bar(self, start: dt.date | None, end: dt.date | None) -> Bar | None:
        if start is None or end is None or end < start:
            return None
        left = self.at(start) or 0.0
        return Bar(left, max(round((self.at(end) or 0.0) - left, 2), 0.6))

    def ticks(self) -> list[tuple[float, str]]:
        years = range(
            self.start.year + (self.start.month > 1 or self.start.day > 1), self.end.year + 1
        )
        return [(self.at(dt.date(year, 1, 1)) or 0.0, f"{year}") for year in years]


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
