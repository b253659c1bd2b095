"""The action plan, in two rooms: :mod:`.programme` (programmes → work items (A–K) → tasks →
milestones, completion items, target systems) and :mod:`.plans` (each organisation's plan
entries, own systems, advice and workbook imports). Every model is importable from
``actionplan.models``, as Django expects.

Writes go through :mod:`actionplan.services` and :mod:`actionplan.publishing`; pure judgement
lives in :mod:`actionplan.rules`.
"""

from actionplan.models.plans import (
    EDITABLE_FIELDS,
    PLAN_ORDER,
    Advice,
    ImportJob,
    OrganizationSystem,
    PlanEntry,
    PlanEntryQuerySet,
    Status,
)
from actionplan.models.programme import (
    CompletionItem,
    Milestone,
    Programme,
    TargetSystem,
    Task,
    WorkItem,
)

__all__ = [
    "EDITABLE_FIELDS",
    "PLAN_ORDER",
    "Advice",
    "CompletionItem",
    "ImportJob",
    "Milestone",
    "OrganizationSystem",
    "PlanEntry",
    "PlanEntryQuerySet",
    "Programme",
    "Status",
    "TargetSystem",
    "Task",
    "WorkItem",
]
