"""The review workflow writes its own audit rows (issue 14): a change made from the shell, the
admin or a worker leaves the same trace as one made on a page. Each write below is a service
call with no request: the trail names who did what, to which organisation."""

from __future__ import annotations

import datetime as dt

from accounts.models import AuditEvent
from actionplan.models import Task
from review import reminders, workflow
from review.models import MinistryReview
from tests.review.conftest import D


def details(organization) -> list[tuple[str, str]]:
    rows = AuditEvent.objects.filter(organization=organization, kind=AuditEvent.Kind.CONTENT)
    return [(row.actor_email, row.detail) for row in rows.order_by("pk")]


def test_each_review_write_leaves_its_audit_row_without_a_request(
    plans, sapporo, alice, coordinator, jumin_reviewer, prefecture_admin, mic
):
    task = Task.objects.get(work_item__programme=plans, name="住民への広報活動")
    workflow.route_check(coordinator, sapporo, plans, [mic], "確認しました")
    follow_up = workflow.open_follow_up(
        jumin_reviewer,
        sapporo,
        plans,
        cause="budget",
        actions="予算の確保",
        due_on=dt.date.today() + dt.timedelta(days=30),
        work_item=task.work_item,
    )
    review = MinistryReview.objects.get(plan_check__organization=sapporo)
    workflow.review_check(jumin_reviewer, review, "needs_fix", "日程を見直してください")
    workflow.approve(jumin_reviewer, sapporo, task, D(2016, 3, 31), "mainframe")
    workflow.add_note(alice, follow_up, "予算を要求中です", organization_side=True)
    assert details(sapporo) == [
        (coordinator.email, "計画を確認し府省庁に依頼"),
        (jumin_reviewer.email, "フォローアップを起票"),
        (jumin_reviewer.email, "計画の妥当性 needs_fix"),
        (jumin_reviewer.email, f"期日延長を承認 {task} 2016-03-31 mainframe"),
        (alice.email, "フォローアップに記録を追加"),
    ]


def test_a_plan_reminder_is_audited_per_organisation_reminded(
    plans, sapporo, hakodate, prefecture_admin
):
    from orgs.models import Organization

    sent = reminders.remind(
        prefecture_admin, Organization.objects.filter(pk__in=[sapporo.pk, hakodate.pk]), plans
    ).sent
    assert {org.pk for org in sent} == {sapporo.pk, hakodate.pk}
    for organization in (sapporo, hakodate):
        assert details(organization) == [
            (prefecture_admin.email, f"計画の入力を督促（{plans.name}）")
        ]
