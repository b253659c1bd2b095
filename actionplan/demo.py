"""Demo content: systems and a partly filled plan for the demo municipalities, and one advice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from accounts.models import User
from actionplan import publishing, rules, seed, services
from actionplan.models import OrganizationSystem, PlanEntry, Programme, TargetSystem
from actionplan.seed import NAME
from orgs.models import Organization
from pmo.questions import Kind

DEMO_SYSTEMS = ("個人住民税", "国民健康保険", "介護保険", "生活保護")
DEMO_CODES = ("011002", "012025", "022012", "010006")
D = dt.date

# 札幌市 has started: A is planned and under way (B is left for the demo user to enter).
SAPPORO_A: dict[str, dict[str, Any]] = {
    "住民への広報活動": {
        "planned_start": D(2015, 4, 1),
        "planned_end": D(2015, 9, 30),
        "actual_start": D(2015, 4, 6),
        "status": "in_progress",
        "progress": 40,
    },
    "相談窓口の設置": {"planned_start": D(2015, 7, 1), "planned_end": D(2015, 10, 30)},
}


# Further along elsewhere, so the review pages show a mixed picture: 函館市 and 青森市 have
# finished their preparation (A) and 北海道 its own; the rest stays as the demo user finds it.
FINISHED = {"012025": ("A", "C"), "022012": ("A",), "010006": ("A",)}


def _answers(entry: PlanEntry, day: dt.date) -> dict[str, object]:
    """Plausible answers to the task's completion items, so a demo entry can be 完了."""
    answers = {}
    for item in entry.task.completion_items.all():
        kind, first = rules.kind_of(item.kind), (item.choice_list or [""])[0]
        by_kind: dict[str, object] = {
            Kind.DATE: day.isoformat(),
            Kind.NUMBER: str(item.min_value if item.min_value is not None else 3),
            Kind.YES_NO: rules.YES,
            Kind.SINGLE: first,
            Kind.MULTIPLE: [first],
        }
        answers[str(item.pk)] = by_kind.get(kind, "実施済み")
    return answers


def _finish(organization: Organization, programme: Programme, codes: tuple[str, ...]) -> None:
    user = User.objects.filter(organization=organization).first()
    for entry in PlanEntry.objects.filter(
        organization=organization,
        task__work_item__programme=programme,
        task__work_item__code__in=codes,
        version=1,
    ).select_related("task__work_item"):
        due = entry.task.milestones.order_by("due_on").values_list("due_on", flat=True).first()
        end = min(due or D(2015, 9, 30), D(2015, 12, 25))
        start = end - dt.timedelta(days=60)
        data = {
            "planned_start": start,
            "planned_end": end,
            "actual_start": start,
            "actual_end": end - dt.timedelta(days=5),
            "status": "done",
            "progress": 100,
            "completion": _answers(entry, end - dt.timedelta(days=5)),
        }
        services.save_entry(user, entry.pk, data, entry.version, on=D(2016, 1, 31))


@transaction.atomic
def load() -> str:
    if not Programme.objects.filter(name=NAME).exists():
        seed.load()  # the demo builds on the shipped programme
    programme = Programme.objects.get(name=NAME)
    organizations = Organization.objects.filter(code__in=DEMO_CODES)
    systems = TargetSystem.objects.filter(organization=None, name__in=DEMO_SYSTEMS)
    for organization in organizations:
        for system in systems:
            OrganizationSystem.objects.get_or_create(organization=organization, system=system)
    # The same publishing as load_reference_data (a no-op if it ran): every organisation has
    # its entries, the demo ones with G rows for their systems.
    created = publishing.publish(programme)
    sapporo = Organization.objects.get(code="011002")
    staff = User.objects.filter(email="sapporo@demo.example").first()
    for entry in PlanEntry.objects.filter(
        organization=sapporo, task__work_item__code="A", task__work_item__programme=programme
    ).select_related("task"):
        data = SAPPORO_A.get(entry.task.name)
        if data and entry.version == 1:
            services.save_entry(staff, entry.pk, data, entry.version, on=D(2015, 6, 1))
    for organization in organizations:
        if codes := FINISHED.get(organization.code):
            _finish(organization, programme, codes)
    admin = User.objects.filter(email="hokkaido@demo.example").first()
    if admin and not programme.advice.filter(organization=sapporo).exists():
        services.add_advice(
            admin,
            sapporo,
            programme,
            "B（既存住基システム改修）の計画が未入力です。4月末までに入力をお願いします。",
        )
    total = PlanEntry.objects.filter(task__work_item__programme=programme).count()
    return f"{created} new plan entries ({total} in all)"
