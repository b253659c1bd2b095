"""Judging on save, the nightly scan (idempotent, cost follows the changes), the rollup."""

from __future__ import annotations

import datetime as dt
import random

from actionplan import publishing
from actionplan import services as plan_services
from actionplan import signals as plan_signals
from actionplan import systems as plan_systems
from actionplan.models import PlanEntry
from outbox import sending as outbox
from outbox.models import Mail
from pmo.invalid import Invalid
from review import judging, rollups, workflow
from review.models import DelayFlag, EntryState, NotificationEvent, RuleRollup, StatusRollup
from tests.review import oracle
from tests.review.conftest import ON, D


def sapporo_entry(sapporo, code="A", name="住民への広報活動") -> PlanEntry:
    return PlanEntry.objects.get(organization=sapporo, task__work_item__code=code, task__name=name)


def snapshot():
    flags = list(
        DelayFlag.objects.order_by("pk").values_list(
            "pk", "rule", "days_late", "significant", "last_seen", "resolved_at", "notified_on"
        )
    )
    cells = list(StatusRollup.objects.order_by("pk").values_list("pk", "entries", "weight"))
    rules = list(RuleRollup.objects.order_by("pk").values_list("pk", "flags", "significant"))
    checks = list(PlanEntry.objects.order_by("pk").values_list("pk", "next_check_on"))
    events = list(NotificationEvent.objects.order_by("pk").values_list("pk", "state"))
    return flags, cells, rules, checks, events


def test_saving_an_entry_judges_it(plans, sapporo, alice):
    entry = sapporo_entry(sapporo)
    plan = {"planned_start": D(2015, 5, 1), "planned_end": D(2015, 5, 20)}
    plan_services.save_entry(alice, entry.pk, plan, 1, on=ON)
    # Judged on the real today (long after 2015): start and end overdue, milestone missed.
    rules = set(
        DelayFlag.objects.filter(entry=entry, resolved_at=None).values_list("rule", flat=True)
    )
    assert rules == {"start_overdue", "end_overdue", "milestone_missed"}
    entry.refresh_from_db()
    assert entry.next_check_on == judging.NEVER
    assert EntryState.objects.get(entry=entry).status == "not_started"


def test_new_entries_are_judged_as_they_are_created(plans, sapporo, hakodate, aomori):
    # The fixture created the plans on 2015/04/01: every entry is in the rollup already, and
    # each waits for the day after the plan deadline, when an empty plan becomes "no plan".
    assert sum(StatusRollup.objects.values_list("entries", flat=True)) == PlanEntry.objects.count()
    assert set(PlanEntry.objects.values_list("next_check_on", flat=True)) == {D(2015, 5, 1)}


def test_a_batch_of_saved_entries_is_judged_in_a_fixed_number_of_reads(plans):
    """One ``entry_saved`` for a sheet's rows: the same reads for 5 rows as for 49; writes are
    multi-row (one INSERT per up to 75 flags, one UPDATE per changed rollup cell)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ids = list(PlanEntry.objects.order_by("pk").values_list("pk", flat=True))
    reads, flag_inserts = [], []
    for batch in (ids[:5], ids[5:]):
        with CaptureQueriesContext(connection) as captured:
            plan_signals.entry_saved.send(PlanEntry, entry_ids=batch)
        sql = [query["sql"] for query in captured.captured_queries]
        reads.append(sum(s.startswith("SELECT") for s in sql))
        flag_inserts.append(sum(s.startswith('INSERT INTO "review_delayflag"') for s in sql))
    assert len(ids) - 5 > 40
    assert reads[0] == reads[1] == 5
    assert flag_inserts[1] <= 2
    # Judged on the real today: every empty plan is now "no plan".
    assert DelayFlag.objects.filter(rule="no_plan", resolved_at=None).count() == len(ids)


def at(day: dt.date):
    """Travel to noon of ``day`` in Tokyo (saves judge on the real date)."""
    import time_machine

    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 3), tick=False)


def test_scan_raises_resolves_and_is_idempotent(plans, sapporo, alice, mailoutbox):
    entry = sapporo_entry(sapporo)
    plan = {"planned_start": D(2015, 5, 1), "planned_end": D(2015, 9, 1)}
    with at(D(2015, 5, 1)):
        judging.scan(send=False)
        plan_services.save_entry(alice, entry.pk, plan, 1)
    assert not DelayFlag.objects.filter(entry=entry, resolved_at=None).exists()
    with at(D(2015, 5, 2)):
        first = judging.scan()
    assert first.raised >= 1  # start overdue from 05/02
    assert DelayFlag.objects.filter(entry=entry, rule="start_overdue", resolved_at=None).exists()
    before = snapshot()
    with at(D(2015, 5, 2)):
        again = judging.scan()
    assert (again.judged, again.raised, again.resolved, again.queued) == (0, 0, 0, 0)
    assert snapshot() == before
    # Starting the task resolves the flag on save.
    with at(D(2015, 5, 10)):
        data = {"actual_start": D(2015, 5, 10), "status": "in_progress"}
        plan_services.save_entry(alice, entry.pk, data, 2)
    flag = DelayFlag.objects.get(entry=entry, rule="start_overdue")
    assert flag.resolved_at == D(2015, 5, 10)
    assert flag.first_seen == D(2015, 5, 2)


def test_scan_touches_only_entries_whose_judgement_can_change(plans, sapporo):
    judging.scan(D(2015, 4, 1), send=False)
    total = PlanEntry.objects.count()
    # Nothing changes between the plan deadline checks: a quiet night judges nothing.
    assert judging.scan(D(2015, 4, 2), send=False).judged == 0
    # The day after the plan deadline every empty plan turns "no plan".
    assert judging.scan(D(2015, 5, 1), send=False).judged == total
    assert judging.scan(D(2015, 5, 2), send=False).judged == 0


def test_digest_is_one_mail_per_recipient_per_day(
    plans,
    sapporo,
    hakodate,
    alice,
    prefecture_admin,
    reviewer,
    jumin_reviewer,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    for organization in (sapporo, hakodate):
        PlanEntry.objects.filter(organization=organization).update(
            planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31)
        )
    judging.entries_changed(PlanEntry.objects.values_list("pk", flat=True), D(2015, 6, 1))
    with django_capture_on_commit_callbacks(execute=True):
        result = judging.scan(D(2015, 10, 1))
    recipients = sorted(mail.to[0] for mail in mailoutbox)
    assert result.queued == len(mailoutbox) == len(set(recipients))
    assert alice.email in recipients and prefecture_admin.email in recipients
    assert jumin_reviewer.email in recipients  # B's ministry
    body = next(mail.body for mail in mailoutbox if mail.to == [prefecture_admin.email])
    assert "札幌市" in body and "函館市" in body
    mine = next(mail.body for mail in mailoutbox if mail.to == [alice.email])
    assert "函館市" not in mine
    # The next nights send nothing new about the same delays.
    assert judging.scan(D(2015, 10, 2)).queued == 0
    assert len(mailoutbox) == len(recipients)


def test_two_workers_send_each_digest_once(plans, sapporo, alice, prefecture_admin, mailoutbox):
    from review import notifications

    PlanEntry.objects.filter(organization=sapporo).update(
        planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31)
    )
    judging.entries_changed(PlanEntry.objects.values_list("pk", flat=True), D(2015, 10, 1))
    # Two job runs queue: the second finds everything already queued.
    assert judging.scan(D(2015, 10, 1), send=False).queued == 2
    assert judging.scan(D(2015, 10, 1), send=False).queued == 0
    # Two workers see the same pending events; each claim is a conditional UPDATE.
    seen_by_first = notifications.pending_ids()
    seen_by_second = notifications.pending_ids()
    assert seen_by_first == seen_by_second and len(seen_by_first) == 2
    written = notifications.deliver(seen_by_first) + notifications.deliver(seen_by_second)
    assert written == 2 and Mail.objects.filter(kind="review.digest").count() == 2
    assert outbox.send_due() == 2
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
        [alice.email, prefecture_admin.email]
    )


def test_an_event_left_sending_is_retried_later_not_lost(plans, sapporo, alice, mailoutbox):
    from review import notifications

    PlanEntry.objects.filter(organization=sapporo).update(
        planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31)
    )
    judging.entries_changed(PlanEntry.objects.values_list("pk", flat=True), D(2015, 10, 1))
    judging.scan(D(2015, 10, 1), send=False)
    [event_id] = notifications.pending_ids()
    assert notifications.claim(event_id)  # a worker (before the outbox) died after claiming
    assert notifications.send_pending() == 0
    later = NotificationEvent.objects.get(pk=event_id).claimed_at + notifications.STALE
    assert notifications.release_stale(later + dt.timedelta(seconds=1)) == 1
    assert notifications.send_pending() == 1
    assert outbox.send_due() == 1 and len(mailoutbox) == 1


def test_a_digest_whose_mail_fails_stays_in_the_outbox(plans, sapporo, alice, mailoutbox, settings):
    from review import notifications

    PlanEntry.objects.filter(organization=sapporo).update(
        planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31)
    )
    judging.entries_changed(PlanEntry.objects.values_list("pk", flat=True), D(2015, 10, 1))
    judging.scan(D(2015, 10, 1), send=False)
    assert notifications.send_pending() == 1
    settings.EMAIL_BACKEND = "tests.outbox.backends.RefusingBackend"
    assert outbox.send_due() == 0
    mail = Mail.objects.get(kind="review.digest")
    assert (mail.state, mail.attempts) == ("queued", 1) and "refused" in mail.last_error
    assert f"{settings.SITE_URL}/orgs/{sapporo.code}/plan/" in mail.body  # where to read more
    # The event is done; the mail is the outbox's to retry, and nothing is written twice.
    assert notifications.send_pending() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.send_due(now=mail.next_attempt_at) == 1
    assert [m.to for m in mailoutbox] == [[alice.email]]


def test_accounts_that_cannot_receive_mail_get_no_digest(
    plans, sapporo, alice, prefecture_admin, mailoutbox
):
    from accounts.models import User
    from review import notifications
    from tests.factories import UserFactory

    never_activated = UserFactory(organization=sapporo, activated_at=None)
    stopped = UserFactory(organization=sapporo, is_active=False)
    PlanEntry.objects.filter(organization=sapporo).update(
        planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31)
    )
    judging.entries_changed(PlanEntry.objects.values_list("pk", flat=True), D(2015, 10, 1))
    judging.scan(D(2015, 10, 1), send=False)
    # The administrator is stopped after the digests were written, before they are sent.
    User.objects.filter(pk=prefecture_admin.pk).update(is_active=False)
    assert notifications.send_pending() == 1
    outbox.send_due()
    assert [m.to for m in mailoutbox] == [[alice.email]]
    assert never_activated.email not in str(list(Mail.objects.values_list("to", flat=True)))
    assert stopped.email not in str(list(Mail.objects.values_list("to", flat=True)))
    assert not NotificationEvent.objects.filter(state="pending").exists()


def test_rollup_equals_a_full_scan_after_random_edits(plans, sapporo, hakodate, aomori, alice):
    from tests.factories import UserFactory

    on = judging.today()
    judging.scan(on, send=False)
    users = {sapporo.pk: alice}
    for org in (hakodate, aomori):
        users[org.pk] = UserFactory(organization=org)
    rng = random.Random(5)
    entries = list(PlanEntry.objects.select_related("task"))
    statuses = ["not_started", "in_progress", "done", "not_applicable"]
    for entry in rng.sample(entries, 40):
        entry.refresh_from_db()
        start = D(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
        end = start + dt.timedelta(days=rng.randrange(0, 200))
        status = rng.choice(statuses)
        data = {"planned_start": start, "planned_end": end, "status": status}
        if status in ("in_progress", "done"):
            data["actual_start"] = start
        if status == "done":
            data["actual_end"] = end
            data["completion"] = {
                str(item.pk): "yes"
                if item.kind == "yes_no"
                else "2015-09-01"
                if item.kind == "date"
                else "1"
                if item.kind == "number"
                else (item.choice_list or ["x"])[0]
                for item in entry.task.completion_items.all()
            }
        if status == "not_applicable":
            data["not_applicable_reason"] = "該当システムなし"
        plan_services.save_entry(users[entry.organization_id], entry.pk, data, entry.version, on=on)
    # A bulk path that skips signals, then tells review.
    bulk = rng.sample(entries, 20)
    PlanEntry.objects.filter(pk__in=[e.pk for e in bulk]).update(status="not_applicable")
    judging.entries_changed([e.pk for e in bulk])
    # A deleted entry leaves the figures too.
    PlanEntry.objects.filter(pk=entries[0].pk).first().delete()
    assert rollups.stored_cells(plans) == oracle.full_scan(plans, on)


def test_a_delay_found_after_todays_digest_waits_for_tomorrows(plans, sapporo, alice, mailoutbox):
    from review import notifications

    a_entries = PlanEntry.objects.filter(organization=sapporo, task__work_item__code="A")
    a_entries.update(planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31))
    judging.entries_changed(a_entries.values_list("pk", flat=True), D(2015, 10, 1))
    assert judging.scan(D(2015, 10, 1), send=False).queued == 1
    assert notifications.send_pending() == 1 and outbox.send_due() == 1
    # Later the same day another task of 札幌市 turns significantly late.
    b_entry = PlanEntry.objects.filter(organization=sapporo, task__work_item__code="B").first()
    PlanEntry.objects.filter(pk=b_entry.pk).update(planned_start=D(2015, 4, 1))
    judging.entries_changed([b_entry.pk], D(2015, 10, 1))
    assert judging.scan(D(2015, 10, 1), send=False).queued == 1  # tomorrow's digest
    assert notifications.deliver(notifications.pending_ids(today=D(2015, 10, 1))) == 0
    assert outbox.send_due() == 0 and len(mailoutbox) == 1
    assert notifications.deliver(notifications.pending_ids(today=D(2015, 10, 2))) == 1
    assert outbox.send_due() == 1
    assert b_entry.task.name in mailoutbox[1].body
    assert not DelayFlag.objects.filter(significant=True, notified_on=None).exists()


def test_a_digest_keeps_a_bounded_number_of_lines():
    from review import notifications

    lines = [f"行{n}" for n in range(notifications.STORED_LINES + 5)]
    capped = notifications._capped(lines)
    assert len(capped) == notifications.STORED_LINES + 1
    assert capped[-1] == "（ほか 5 件）"


# --- Approvals that cover every flag, per target system ----------------------------------------


def _per_system_entries(plans, sapporo, alice):
    """札幌市 lists two target systems; G's entries of both are late in every way."""
    for name in ("住民記録システム", "税務システム"):
        plan_systems.add(alice, sapporo, name)
    publishing.ensure_entries(sapporo, plans)
    entries = PlanEntry.objects.filter(
        organization=sapporo, task__work_item__code="G", task__per_system=True
    )
    entries.update(planned_start=D(2015, 5, 1), planned_end=D(2015, 6, 30))
    judging.entries_changed(list(entries.values_list("pk", flat=True)), ON)
    return entries


def test_an_approval_covers_start_end_and_milestone_of_the_named_system_only(
    plans, sapporo, alice, reviewer, jumin_reviewer
):
    from actionplan.models import TargetSystem

    entries = _per_system_entries(plans, sapporo, alice)
    task = entries.first().task
    jumin = TargetSystem.objects.get(name="住民記録システム")
    on = D(2015, 12, 1)  # after G's milestone
    judging.judge_entries(list(entries.values_list("pk", flat=True)), on)
    approver = reviewer if workflow._may_follow_up(reviewer, task.work_item_id) else jumin_reviewer
    with time_machine_on(on):
        workflow.approve(approver, sapporo, task, D(2016, 3, 31), "mainframe", system=jumin)
    # Judged again (as the nightly job would), the other system still has no approval.
    judging.judge_entries(list(entries.values_list("pk", flat=True)), on)
    flags = DelayFlag.objects.filter(entry__task=task, organization=sapporo, resolved_at=None)
    covered = {(f.entry.system.name, f.rule): f.approved for f in flags}
    assert covered == {
        ("住民記録システム", "start_overdue"): True,
        ("住民記録システム", "end_overdue"): True,
        ("住民記録システム", "milestone_missed"): True,
        ("税務システム", "start_overdue"): False,
        ("税務システム", "end_overdue"): False,
        ("税務システム", "milestone_missed"): False,
    }
    assert not any(f.significant for f in flags if f.approved)


def test_rollup_equals_a_full_scan_after_approvals_per_system(
    plans, sapporo, hakodate, alice, reviewer, jumin_reviewer
):
    from actionplan.models import TargetSystem, Task

    entries = _per_system_entries(plans, sapporo, alice)
    on = D(2015, 12, 1)
    judging.judge_entries(list(PlanEntry.objects.values_list("pk", flat=True)), on)
    before = rollups.stored_cells(plans)
    jumin = TargetSystem.objects.get(name="住民記録システム")
    per_system = Task.objects.filter(pk__in=entries.values("task")).select_related("work_item")
    with time_machine_on(on):
        for task in per_system:
            approver = (
                reviewer if workflow._may_follow_up(reviewer, task.work_item_id) else jumin_reviewer
            )
            # One system of each per-system task, and the whole task (all systems) of another.
            workflow.approve(approver, sapporo, task, D(2016, 3, 31), "mainframe", system=jumin)
        a_task = Task.objects.get(work_item__programme=plans, work_item__code="A", order=1)
        approver = (
            reviewer if workflow._may_follow_up(reviewer, a_task.work_item_id) else jumin_reviewer
        )
        workflow.approve(approver, hakodate, a_task, D(2016, 3, 31), "vendor_capacity")
    after = rollups.stored_cells(plans)
    assert after == oracle.full_scan(plans, on)
    assert after != before
    approved = sum(cell[2] for cell in after[1].values())
    assert approved == DelayFlag.objects.filter(resolved_at=None, approved=True).count() > 0


def time_machine_on(day):
    import time_machine

    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12), tick=False)


def test_an_approval_naming_a_system_needs_a_per_system_task_with_that_system(
    plans, sapporo, hakodate, alice, jumin_reviewer, reviewer
):
    import pytest

    from actionplan.models import TargetSystem, Task

    _per_system_entries(plans, sapporo, alice)
    jumin = TargetSystem.objects.get(name="住民記録システム")
    a_task = Task.objects.get(work_item__programme=plans, work_item__code="A", order=1)
    approver = (
        reviewer if workflow._may_follow_up(reviewer, a_task.work_item_id) else jumin_reviewer
    )
    with pytest.raises(Invalid) as refused:
        workflow.approve(approver, sapporo, a_task, D(2016, 3, 31), "mainframe", system=jumin)
    assert "対象システムごとの計画ではありません" in refused.value.errors["system"]
    g_task = Task.objects.filter(work_item__programme=plans, per_system=True).first()
    approver = (
        reviewer if workflow._may_follow_up(reviewer, g_task.work_item_id) else jumin_reviewer
    )
    with pytest.raises(Invalid) as refused:  # 函館市 has no such system listed
        workflow.approve(approver, hakodate, g_task, D(2016, 3, 31), "mainframe", system=jumin)
    assert "計画がありません" in refused.value.errors["system"]
    from review.models import ApprovedException

    assert not ApprovedException.objects.exists()
