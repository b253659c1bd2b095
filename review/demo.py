"""Demo content: every plan entry judged today, a plan check routed by the coordinator, and a
follow-up of 札幌市 opened by 厚生労働省 (mhlw@demo.example) — no mails are sent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from actionplan.models import PlanEntry, Programme, WorkItem
from actionplan.seed import NAME
from orgs.models import Organization
from review import judging, workflow
from review.models import DelayFlag, FollowUp, PlanCheck


@transaction.atomic
def load() -> str:
    programme = Programme.objects.get(name=NAME)
    # Entries are judged as they are created and saved; here only those due today (a demo
    # database loaded on an earlier day), not all of them again.
    due = judging.due_entries(judging.today()) | PlanEntry.objects.filter(next_check_on=None)
    result = judging.judge_entries(due.values_list("pk", flat=True))
    sapporo = Organization.objects.get(code="011002")
    coordinator = User.objects.filter(email="coordinator@demo.example").first()
    mhlw = User.objects.filter(email="mhlw@demo.example").first()
    if coordinator and not PlanCheck.objects.filter(organization=sapporo).exists():
        bureaus = Organization.objects.filter(code__in=["mhlw-social-security", "mic-jumin"])
        workflow.route_check(coordinator, sapporo, programme, list(bureaus), "計画を確認しました。")
    if mhlw and not FollowUp.objects.filter(organization=sapporo).exists():
        workflow.open_follow_up(
            mhlw,
            sapporo,
            programme,
            cause=FollowUp.Cause.VENDOR,
            actions="E（番号利用事務移行）の業務定義が遅れています。ベンダーと工程を再調整してください。",
            due_on=timezone.localdate() + dt.timedelta(days=30),
            work_item=WorkItem.objects.filter(programme=programme, code="E").first(),
        )
    open_flags = DelayFlag.objects.open().count()
    return f"{result.judged} entries judged, {open_flags} open delays"
