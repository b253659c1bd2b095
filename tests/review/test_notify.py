"""The review loop reaches people: every review event tells the other side (digest by default,
at once by choice), never the actor, an outsider or an account that does not receive mail; TOP
shows each event until it is handled; reminders from the not-started page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import NotificationMode
from accounts.roles import Role
from actionplan import services as plan_services
from outbox.models import Mail
from review import notifications, workflow
from review.models import FollowUp, MinistryReview, Notice, ReviewEvent
from tests.factories import UserFactory

DUE = dt.date(2030, 1, 1)


@pytest.fixture
def people(plans, alice, reviewer, coordinator, prefecture_admin, bob, aomori_admin, mhlw):
    """札幌市's staff (alice, plus a stopped one and one never activated), the ministry."""
    stopped = UserFactory(
        email="stopped@city.sapporo.lg.jp", organization=alice.organization, is_active=False
    )
    never = UserFactory(
        email="never@city.sapporo.lg.jp", organization=alice.organization, activated_at=None
    )
    manager = UserFactory(
        email="madoguchi@city.sapporo.lg.jp",
        organization=alice.organization,
        role=Role.ACCOUNT_MANAGER,
    )
    colleague = UserFactory(email="colleague@mhlw.go.jp", organization=mhlw, role=Role.REVIEWER)
    return {
        "alice": alice,
        "manager": manager,
        "stopped": stopped,
        "never": never,
        "reviewer": reviewer,
        "colleague": colleague,
        "coordinator": coordinator,
        "prefecture_admin": prefecture_admin,
        "bob": bob,
        "aomori_admin": aomori_admin,
    }


def told(event: ReviewEvent) -> set[str]:
    return set(Notice.objects.filter(event=event).values_list("recipient__email", flat=True))


def _open(people, plans):
    return workflow.open_follow_up(
        people["reviewer"],
        people["alice"].organization,
        plans,
        cause="budget",
        actions="予算を確保してください。",
        due_on=DUE,
    )


def test_a_follow_up_opened_tells_the_organisations_staff_only(people, plans):
    follow_up = _open(people, plans)
    event = ReviewEvent.objects.get(kind="follow_up_opened")
    assert event.organization_id == follow_up.organization_id
    # Staff and the account manager of 札幌市; not the stopped or never-activated account, not
    # the reviewer who opened it, not 函館市 or another prefecture.
    assert told(event) == {"alice@city.sapporo.lg.jp", "madoguchi@city.sapporo.lg.jp"}
    # Default: the daily digest, no mail now.
    assert not Mail.objects.exists()


def test_the_answer_reaches_whoever_opened_it_and_the_note_or_closing_the_organisation(
    people, plans
):
    follow_up = _open(people, plans)
    workflow.add_note(people["alice"], follow_up, "予算を確保しました。", organization_side=True)
    answered = ReviewEvent.objects.get(kind="answered")
    # The opener and the reviewing people of the opening bureau; not alice herself, not 札幌市.
    assert told(answered) == {"reviewer@mhlw.go.jp", "colleague@mhlw.go.jp"}
    workflow.add_note(people["reviewer"], follow_up, "確認しました。", organization_side=False)
    assert told(ReviewEvent.objects.get(kind="note_added")) == {
        "alice@city.sapporo.lg.jp",
        "madoguchi@city.sapporo.lg.jp",
    }
    workflow.add_note(
        people["colleague"], follow_up, "完了とします。", organization_side=False, close=True
    )
    closed = ReviewEvent.objects.get(kind="closed")
    assert told(closed) == {"alice@city.sapporo.lg.jp", "madoguchi@city.sapporo.lg.jp"}
    assert closed.body == "完了とします。"


def test_routing_verdict_advice_and_approval_tell_the_other_side(people, plans, mhlw):
    alice, reviewer = people["alice"], people["reviewer"]
    sapporo = alice.organization
    workflow.route_check(people["coordinator"], sapporo, plans, [mhlw])
    assert told(ReviewEvent.objects.get(kind="routed")) == {
        "reviewer@mhlw.go.jp",
        "colleague@mhlw.go.jp",
    }
    review = MinistryReview.objects.get(plan_check__organization=sapporo, ministry=mhlw)
    workflow.review_check(reviewer, review, "needs_fix", "B の日程を見直してください。")
    verdict = ReviewEvent.objects.get(kind="verdict")
    assert "要修正" in verdict.summary
    assert told(verdict) == {"alice@city.sapporo.lg.jp", "madoguchi@city.sapporo.lg.jp"}
    plan_services.add_advice(people["prefecture_admin"], sapporo, plans, "B を入力してください。")
    assert told(ReviewEvent.objects.get(kind="advice")) == {
        "alice@city.sapporo.lg.jp",
        "madoguchi@city.sapporo.lg.jp",
    }
    task = plans.work_items.get(code="E").tasks.first()
    workflow.approve(reviewer, sapporo, task, dt.date(2016, 3, 31), "vendor_capacity")
    approval = ReviewEvent.objects.get(kind="approval")
    assert "2016/03/31" in approval.summary
    assert told(approval) == {"alice@city.sapporo.lg.jp", "madoguchi@city.sapporo.lg.jp"}


def test_at_once_is_one_mail_per_recipient_and_event_after_commit(
    people, plans, django_capture_on_commit_callbacks, mailoutbox
):
    alice = people["alice"]
    alice.notification_mode = NotificationMode.IMMEDIATE
    alice.save(update_fields=["notification_mode"])
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = _open(people, plans)
    assert [mail.to for mail in mailoutbox] == [["alice@city.sapporo.lg.jp"]]
    assert "フォローアップを起票しました" in mailoutbox[0].subject
    assert reverse("review:follow_up", args=[follow_up.pk]) in mailoutbox[0].body
    notice = Notice.objects.get(recipient=alice)
    assert notice.immediate and notice.mail is not None
    # The manager (digest) has no mail yet; it comes with the daily digest, once.
    on = timezone.localdate()
    notifications.queue_digests(on)
    notifications.deliver(notifications.pending_ids(today=on))
    digests = Mail.objects.filter(kind="review.digest")
    assert [mail.to for mail in digests] == [["madoguchi@city.sapporo.lg.jp"]]
    assert "予算を確保してください" in digests[0].body
    assert Notice.objects.get(recipient__email="madoguchi@city.sapporo.lg.jp").digested_on == on
    # A second run sends nothing again; alice's immediate notice is never in a digest.
    notifications.queue_digests(on)
    assert notifications.deliver(notifications.pending_ids(today=on)) == 0
    assert sum(mail.to == ["alice@city.sapporo.lg.jp"] for mail in Mail.objects.all()) == 1


def test_a_digest_joins_the_days_delays_and_events_in_one_mail(people, judged):
    """Alice has significant delays (judged) and a follow-up: one digest mail with both."""
    on = timezone.localdate()
    _open(people, judged)
    notifications.queue_digests(on)
    notifications.deliver(notifications.pending_ids(today=on))
    mails = [mail for mail in Mail.objects.all() if mail.to == ["alice@city.sapporo.lg.jp"]]
    assert len(mails) == 1
    assert "要フォローアップの遅延" in mails[0].body
    assert "フォローアップを起票しました" in mails[0].body


def test_the_settings_page_sets_the_choice(client, people):
    alice = people["alice"]
    client.force_login(alice)
    page = client.get(reverse("own_settings"))
    assert "通知の受け取り方" in page.content.decode()
    response = client.post(reverse("own_settings"), {"notification_mode": "immediate"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.notification_mode == NotificationMode.IMMEDIATE
    bad = client.post(reverse("own_settings"), {"notification_mode": "hourly"})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    alice.refresh_from_db()
    assert alice.notification_mode == NotificationMode.IMMEDIATE


def test_settings_need_a_login(client):
    response = client.get(reverse("own_settings"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- TOP -------------------------------------------------------------------------------------


def _top(client, user) -> str:
    client.force_login(user)
    return client.get("/").content.decode()


def test_top_shows_each_event_until_it_is_handled(client, people, plans, mhlw):
    alice, reviewer = people["alice"], people["reviewer"]
    sapporo = alice.organization
    assert "未対応の通知" not in _top(client, alice)
    follow_up = _open(people, plans)
    workflow.route_check(people["coordinator"], sapporo, plans, [mhlw])
    review = MinistryReview.objects.get(plan_check__organization=sapporo, ministry=mhlw)
    workflow.review_check(reviewer, review, "needs_fix", "B の日程を見直してください。")
    advice = plan_services.add_advice(people["prefecture_admin"], sapporo, plans, "助言の本文")
    page = _top(client, alice)
    assert "フォローアップへの回答をお願いします" in page
    assert "計画の要修正" in page and "B の日程を見直してください。" in page
    assert "助言：北海道" in page and "助言の本文" in page
    # Someone outside 札幌市 sees none of it.
    assert "未対応の通知" not in _top(client, people["bob"])
    # Answered: it leaves 札幌市's TOP and appears on the ministry's.
    workflow.add_note(alice, follow_up, "回答です。", organization_side=True)
    assert "フォローアップへの回答をお願いします" not in _top(client, alice)
    assert "フォローアップに回答がありました：北海道 札幌市" in _top(client, reviewer)
    # Closed by the reviewing side: gone from the ministry's TOP.
    workflow.add_note(reviewer, follow_up, "完了", organization_side=False, close=True)
    assert "フォローアップに回答がありました" not in _top(client, reviewer)
    # Advice read: gone.
    client.force_login(alice)
    url = reverse("actionplan:advice_acknowledge", args=[sapporo.code, advice.pk])
    assert client.post(url).status_code == 302
    assert "助言：北海道" not in _top(client, alice)
    # Checked again (appropriate this time): the 要修正 is gone.
    workflow.review_check(reviewer, review, "appropriate")
    assert "計画の要修正" not in _top(client, alice)


def test_routing_again_after_needs_fix_takes_it_off_top(client, people, plans, mhlw):
    alice = people["alice"]
    sapporo = alice.organization
    workflow.route_check(people["coordinator"], sapporo, plans, [mhlw])
    review = MinistryReview.objects.get(plan_check__organization=sapporo, ministry=mhlw)
    workflow.review_check(people["reviewer"], review, "needs_fix", "直してください。")
    assert "計画の要修正" in _top(client, alice)
    workflow.route_check(people["coordinator"], sapporo, plans, [mhlw])
    review.refresh_from_db()
    assert review.verdict == MinistryReview.Verdict.PENDING
    assert "計画の要修正" not in _top(client, alice)


def _fill_top(people, plans, n: int) -> None:
    sapporo = people["alice"].organization
    for index in range(n):
        follow_up = _open(people, plans)
        plan_services.add_advice(people["prefecture_admin"], sapporo, plans, f"助言 {index}")
        if index % 2:
            FollowUp.objects.filter(pk=follow_up.pk).update(state=FollowUp.State.ANSWERED)


def test_top_query_count_does_not_grow(client, people, plans, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["alice"])
    _fill_top(people, plans, 1)
    client.get("/")  # the session and what the first request caches, once
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    _fill_top(people, plans, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        page = client.get("/").content.decode()
    assert page.count("unhandled__item--advice") == 10  # capped
    client.force_login(people["reviewer"])
    client.get("/")
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    _fill_top(people, plans, 3)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/")


def test_acknowledging_advice_is_for_the_organisations_own_staff(client, people, plans):
    sapporo = people["alice"].organization
    advice = plan_services.add_advice(people["prefecture_admin"], sapporo, plans, "助言")
    url = reverse("actionplan:advice_acknowledge", args=[sapporo.code, advice.pk])
    for outsider in (people["bob"], people["prefecture_admin"], people["reviewer"]):
        client.force_login(outsider)
        assert client.post(url).status_code == 404
    advice.refresh_from_db()
    assert advice.acknowledged_at is None
    # Another organisation's code with this advice's id: 404 too.
    client.force_login(people["bob"])
    other = reverse("actionplan:advice_acknowledge", args=["012025", advice.pk])
    assert client.post(other).status_code == 404


# --- Reminders ---------------------------------------------------------------------------------


def test_the_prefecture_reminds_its_municipalities_once_a_day(client, people, plans):
    admin = people["prefecture_admin"]
    client.force_login(admin)
    page = client.get(reverse("review:not_started"))
    assert 'form="remind-form"' in page.content.decode()
    response = client.post(reverse("review:remind"), {"organizations": ["011002"]}, follow=True)
    assert "1 団体に計画の入力を督促しました" in response.content.decode()
    event = ReviewEvent.objects.get(kind="reminder")
    assert event.organization.code == "011002"
    assert told(event) == {"alice@city.sapporo.lg.jp", "madoguchi@city.sapporo.lg.jp"}
    from accounts.models import AuditEvent

    assert AuditEvent.objects.filter(
        organization=event.organization, detail__startswith="計画の入力を督促"
    ).exists()
    # Everyone on its list (札幌市, 函館市; the prefecture itself is not its own municipality):
    # 札幌市 was reminded today already.
    response = client.post(reverse("review:remind"), {"all": "1"}, follow=True)
    text = response.content.decode()
    assert "1 団体に計画の入力を督促しました" in text and "1 団体は本日すでに督促済み" in text
    assert ReviewEvent.objects.filter(kind="reminder").count() == 2
    # The coordinator reminding 札幌市 the same day sends nothing more.
    client.force_login(people["coordinator"])
    client.post(reverse("review:remind"), {"organizations": ["011002"]})
    assert ReviewEvent.objects.filter(kind="reminder", organization__code="011002").count() == 1


def test_the_reminder_shows_on_top_until_the_plan_is_entered(client, people, plans):
    from actionplan.models import PlanEntry

    client.force_login(people["prefecture_admin"])
    client.post(reverse("review:remind"), {"organizations": ["011002"]})
    alice = people["alice"]
    assert "計画の入力のお願い：北海道" in _top(client, alice)
    entry = PlanEntry.objects.filter(organization=alice.organization).first()
    data = {"planned_start": dt.date(2015, 5, 1), "planned_end": dt.date(2015, 12, 1)}
    plan_services.save_entry(alice, entry.pk, data, entry.version, on=dt.date(2015, 6, 1))
    assert "計画の入力のお願い" not in _top(client, alice)


def test_reminding_out_of_reach_is_refused_and_sends_nothing(client, people, plans):
    url = reverse("review:remind")
    # Another prefecture's admin: 札幌市 is out of reach (404, nothing written).
    client.force_login(people["aomori_admin"])
    assert client.post(url, {"organizations": ["011002"]}).status_code == 404
    # Staff and ministry reviewers may not remind at all.
    for user in (people["alice"], people["reviewer"]):
        client.force_login(user)
        assert client.post(url, {"organizations": ["011002"]}).status_code == 404
    # A code mixed in that is not on the admin's list: refused whole.
    client.force_login(people["prefecture_admin"])
    assert client.post(url, {"organizations": ["011002", "022012"]}).status_code == 404
    assert not ReviewEvent.objects.filter(kind="reminder").exists()
    # Nothing chosen: a message, nothing sent.
    response = client.post(url, {}, follow=True)
    assert "督促する団体を選んでください" in response.content.decode()
    assert not ReviewEvent.objects.filter(kind="reminder").exists()
    # The reviewer sees the not-started list but no reminder form.
    client.force_login(people["reviewer"])
    assert 'id="remind-form"' not in client.get(reverse("review:not_started")).content.decode()


def test_the_organisation_reports_its_revision_and_the_ministry_checks_again(
    client, people, plans, mhlw
):
    """修正を報告: after a 要修正 the organisation's staff report the plan revised (from the
    plan page, where TOP's item leads); the verdict is 未確認 again, the 要修正 leaves TOP and
    the ministry's reviewers are told. Others may not report it for them."""
    alice, reviewer = people["alice"], people["reviewer"]
    sapporo = alice.organization
    workflow.route_check(people["coordinator"], sapporo, plans, [mhlw])
    review = MinistryReview.objects.get(plan_check__organization=sapporo, ministry=mhlw)
    workflow.review_check(reviewer, review, "needs_fix", "B の日程を見直してください。")
    url = reverse("review:check_revised", args=[sapporo.code]) + f"?programme={plans.pk}"
    plan = reverse("actionplan:plan", args=[sapporo.code])
    assert f'href="{plan}#standing"' in _top(client, alice)
    page = client.get(plan).content.decode()
    assert "修正を報告して再確認を依頼する" in page
    # Staff of another city and the ministry itself get 404; nothing changes.
    for outsider in (people["bob"], reviewer):
        client.force_login(outsider)
        assert client.post(url, {"comment": "x"}).status_code == 404
    review.refresh_from_db()
    assert review.verdict == MinistryReview.Verdict.NEEDS_FIX
    client.force_login(alice)
    response = client.post(url, {"comment": "B の日程を 10 月に直しました。"})
    assert response.status_code == 302 and response.url.endswith("#standing")
    review.refresh_from_db()
    assert review.verdict == MinistryReview.Verdict.PENDING
    assert review.comment == "B の日程を見直してください。"  # the ministry's words stay
    assert review.plan_check.state == review.plan_check.State.ROUTED
    event = ReviewEvent.objects.get(kind=ReviewEvent.Kind.REVISED)
    assert event.body == "B の日程を 10 月に直しました。"
    assert told(event) == {reviewer.email, people["colleague"].email}
    assert "計画の要修正" not in _top(client, alice)
    assert "修正を報告して再確認を依頼する" not in client.get(plan).content.decode()
    # Reported again with nothing to revise: a message, no second event.
    client.force_login(alice)
    again = client.post(url, follow=True)
    assert "要修正の確認結果はありません。" in again.content.decode()
    assert ReviewEvent.objects.filter(kind=ReviewEvent.Kind.REVISED).count() == 1


def test_an_approval_shows_on_top_until_the_organisation_has_read_it(client, people, plans, mhlw):
    """期日延長の承認 stays on the organisation's TOP until someone of it marks it read on
    the plan page; a later approval of the same task is to be read again."""
    from review.models import ApprovedException

    alice, reviewer = people["alice"], people["reviewer"]
    sapporo = alice.organization
    task = plans.work_items.get(code="E").tasks.first()
    workflow.approve(reviewer, sapporo, task, dt.date(2016, 3, 31), "vendor_capacity")
    approval = ApprovedException.objects.get(organization=sapporo, task=task)
    page = _top(client, alice)
    assert "期日延長の承認：" in page and "2016/03/31 まで" in page
    url = reverse("review:approval_acknowledge", args=[sapporo.code, approval.pk])
    for outsider in (people["bob"], reviewer):
        client.force_login(outsider)
        assert client.post(url).status_code == 404
    client.force_login(alice)
    assert client.post(url + f"?programme={plans.pk}").url.endswith("#standing")
    approval.refresh_from_db()
    assert approval.acknowledged_by == alice
    assert "期日延長の承認：" not in _top(client, alice)
    workflow.approve(reviewer, sapporo, task, dt.date(2016, 6, 30), "vendor_capacity")
    assert "2016/06/30 まで" in _top(client, alice)


def test_a_mailed_link_names_the_events_programme(people, plans):
    """A pasted or mailed link shows the same thing later, whatever programme is the default
    by then."""
    follow_up = _open(people, plans)
    event = ReviewEvent.objects.get(kind=ReviewEvent.Kind.FOLLOW_UP_OPENED)
    assert event.url == f"/review/follow-ups/{follow_up.pk}/?programme={plans.pk}"
    [notice] = Notice.objects.filter(event=event, recipient=people["alice"])
    assert f"?programme={plans.pk}" in notifications_body(notice)


def notifications_body(notice) -> str:
    from review import events

    return events.mail_body(notice.recipient, [notice.event])


def test_send_soon_hands_the_digests_to_their_task_after_commit(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    """The digests' task is found by its registered name (no import of review.tasks)."""
    from celery import current_app

    from review import notifications, tasks

    task = current_app.tasks[notifications.SEND_DIGESTS]
    assert task.name == tasks.send_digests.name
    sent = []
    monkeypatch.setattr(task, "delay", lambda: sent.append("send_digests"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.send_soon()
    assert sent == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sent == ["send_digests"]
