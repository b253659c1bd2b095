"""Demo content: systems and a partly filled plan for the demo municipalities, and one advice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from accounts.models import User
from actionplan import seed, services
from actionplan.models import OrganizationSystem, PlanEntry, Programme, TargetSystem
from actionplan.seed import NAME
from orgs.models import Organization

DEMO_SYSTEMS = ("個人住民税", "国民健康保険", "介護保険", "生活保護")
DEMO_CODES = ("011002", "012025", "022012", "010006")
D = dt.date

# 札幌市 has started: A is planned and under way (B is left for the demo user to enter).
SAPPORO_A = {
    "住民への広報活動": {
        "planned_start": D(2015, 4, 1),
        "planned_end": D(2015, 9, 30),
        "actual_start": D(2015, 4, 6),
        "status": "in_progress",
        "progress": 40,
    },
    "相談窓口の設置": {"planned_start": D(2015, 7, 1), "planned_end": D(2015, 10, 30)},
}


@transaction.atomic
def load() -> str:
    if not Programme.objects.filter(name=NAME).exists():
        seed.load()  # the demo builds on the shipped programme
    programme = Programme.objects.get(name=NAME)
    organizations = Organization.objects.filter(code__in=DEMO_CODES)
    systems = TargetSystem.objects.filter(organization=None, name__in=DEMO_SYSTEMS)
    created = 0
    for organization in organizations:
        for system in systems:
            OrganizationSystem.objects.get_or_create(organization=organization, system=system)
        created += services.ensure_entries(organization, programme)
    sapporo = Organization.objects.get(code="011002")
    staff = User.objects.filter(email="sapporo@demo.example").first()
    for entry in PlanEntry.objects.filter(
        organization=sapporo, task__work_item__code="A", task__work_item__programme=programme
    ).select_related("task"):
        data = SAPPORO_A.get(entry.task.name)
        if data and entry.version == 1:
            services.save_entry(staff, entry.pk, data, entry.version, on=D(2015, 6, 1))
    admin = User.objects.filter(email="hokkaido@demo.example").first()
    if admin and not programme.advice.filter(organization=sapporo).exists():
        services.add_advice(
            admin,
            sapporo,
            programme,
            "B（既存住基システム改修）の計画が未入力です。4月末までに入力をお願いします。",
        )
    return f"{created} plan entries for {organizations.count()} organisations"
