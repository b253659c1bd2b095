"""The outbox: written with the change, sent once after commit, retried with backoff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from outbox import rules, sending, services, tasks
from outbox.models import Mail
from tests.factories import MailFactory

REFUSING = "tests.outbox.backends.RefusingBackend"
UNREACHABLE = "tests.outbox.backends.UnreachableBackend"


def test_a_mail_is_sent_once_its_transaction_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        written = services.enqueue(
            kind="test",
            to=["a@city.sapporo.lg.jp", "", "a@city.sapporo.lg.jp", " b@city.sapporo.lg.jp "],
            subject="件名\n 二行目",
            body="本文",
            html="<p>本文</p>",
            reply_to=["desk@cas.go.jp"],
        )
        assert mail.outbox == []  # nothing leaves before the change is committed
    [sent] = mail.outbox
    assert sent.to == ["a@city.sapporo.lg.jp", "b@city.sapporo.lg.jp"]
    assert (sent.subject, sent.body, sent.reply_to) == ("件名 二行目", "本文", ["desk@cas.go.jp"])
    assert sent.alternatives[0][0] == "<p>本文</p>"
    assert sent.from_email == "Digital PMO <noreply@pmo.example>"
    written.refresh_from_db()
    assert (written.state, written.attempts, written.claim) == ("sent", 1, "")
    assert written.sent_at is not None


def test_a_rolled_back_change_leaves_no_mail(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.enqueue(kind="test", to=["a@city.sapporo.lg.jp"], subject="s", body="b")
        raise RuntimeError("the change fails")
    assert not Mail.objects.exists() and mail.outbox == []


def test_a_mail_without_recipients_is_not_written(db):
    assert services.enqueue(kind="test", to=["", "  "], subject="s", body="b") is None
    assert not Mail.objects.exists()


def test_a_broker_that_is_down_keeps_the_mail_queued(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_mail, "apply_async", down)
    monkeypatch.setattr(services, "_broker_down_until", 0.0)  # restored after the test
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.enqueue(kind="test", to=["a@city.sapporo.lg.jp"], subject="s", body="b")
    assert Mail.objects.get().state == "queued" and mail.outbox == []
    assert sending.send_due() == 1 and len(mail.outbox) == 1


def test_send_due_sends_each_mail_once(queue):
    queue(3)
    assert sending.send_due() == 3
    assert sending.send_due() == 0
    assert sorted(m.to[0] for m in mail.outbox) == [f"user{n}@city.sapporo.lg.jp" for n in range(3)]
    # The immediate try arriving late (the broker delivered it after beat sent the mail).
    assert tasks.send_mail(Mail.objects.first().pk) is False
    assert len(mail.outbox) == 3


def test_send_due_respects_its_limit_oldest_first(queue):
    first, *_rest = queue(5)
    assert sending.send_due(limit=2) == 2
    assert mail.outbox[0].to == first.to
    assert Mail.objects.filter(state="queued").count() == 3


@pytest.mark.parametrize("count", [2, 5])
def test_queries_per_mail(queue, count, django_assert_num_queries):
    queue(count)
    # release stale; due ids, claim, claimed rows; one UPDATE per mail; the empty next read.
    with django_assert_num_queries(1 + 3 + count + 1):
        assert sending.send_due() == count


def test_a_refused_mail_is_retried_later_with_backoff(queue, settings, time_machine):
    time_machine.move_to(dt.datetime(2015, 10, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    [written] = queue()
    settings.EMAIL_BACKEND = REFUSING
    start = written.next_attempt_at
    assert sending.send_due() == 0
    written.refresh_from_db()
    assert (written.state, written.attempts) == ("queued", 1)
    assert written.next_attempt_at == start + dt.timedelta(minutes=1)
    assert written.last_error == "SMTPDataError: (451, 'refused for now')"
    assert sending.send_due() == 0  # not due yet: not tried again
    assert Mail.objects.get().attempts == 1
    time_machine.move_to(written.next_attempt_at)
    assert sending.send_due() == 0
    written.refresh_from_db()
    assert written.attempts == 2
    assert written.next_attempt_at == start + dt.timedelta(minutes=1 + 2)
    # The relay accepts mail again: sent once, the error cleared.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(written.next_attempt_at)
    assert sending.send_due() == 1 and sending.send_due() == 0
    written.refresh_from_db()
    assert (written.state, written.attempts, written.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1


def test_an_unreachable_relay_keeps_the_batch_and_stops_the_run(queue, settings, monkeypatch):
    monkeypatch.setattr(sending, "BATCH", 2)
    queue(3)
    settings.EMAIL_BACKEND = UNREACHABLE
    assert sending.send_due() == 0
    tried = Mail.objects.order_by("pk").values_list("state", "attempts")
    assert list(tried) == [("queued", 1), ("queued", 1), ("queued", 0)]
    assert "ConnectionRefusedError" in Mail.objects.order_by("pk").first().last_error
    assert tasks.send_mail(Mail.objects.order_by("pk").last().pk) is False


def test_a_mail_is_failed_after_the_last_try_and_can_be_retried(queue, settings):
    [written] = queue()
    settings.EMAIL_BACKEND = REFUSING
    for _ in range(rules.MAX_ATTEMPTS):
        due = Mail.objects.get().next_attempt_at
        sending.send_due(now=due)
    written.refresh_from_db()
    assert (written.state, written.attempts) == ("failed", rules.MAX_ATTEMPTS)
    assert "refused for now" in written.last_error
    assert sending.send_due(now=written.next_attempt_at + dt.timedelta(days=1)) == 0
    # An operator retries it (admin action) once the relay is fixed.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.retry([written.pk]) == 1
    assert sending.send_due() == 1 and len(mail.outbox) == 1


def test_a_mail_left_sending_by_a_dead_worker_is_sent_later(queue):
    [written] = queue()
    claimed = sending._claim([written.pk], written.next_attempt_at)  # then the worker dies
    assert [m.pk for m in claimed] == [written.pk]
    assert sending.send_due() == 0
    later = Mail.objects.get().claimed_at + rules.STALE + dt.timedelta(seconds=1)
    assert sending.send_due(now=later) == 1 and len(mail.outbox) == 1
    assert Mail.objects.get().attempts == 2


def test_the_beat_task_sends_what_is_due(queue):
    queue(2)
    assert tasks.send_due() == 2 and len(mail.outbox) == 2


@pytest.fixture
def operator(db):
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role
    from tests.factories import MinistryFactory, UserFactory

    user = UserFactory(
        organization=MinistryFactory(),
        role=Role.SYSADMIN,
        is_staff=True,
        is_superuser=True,
    )
    enrol_demo_totp(user)
    return user


def test_an_operator_sees_stuck_mail_in_admin_read_only(client, operator, queue, settings):
    sent, stuck = queue(2)
    assert sending.send_due(limit=1) == 1
    settings.EMAIL_BACKEND = REFUSING
    sending.send_due()
    client.force_login(operator)
    page = client.get("/admin/outbox/mail/?state__exact=queued").content.decode()
    assert stuck.to[0] in page and sent.to[0] not in page
    page = client.get("/admin/outbox/mail/?state__exact=sent").content.decode()
    assert sent.to[0] in page and stuck.to[0] not in page
    detail = client.get(f"/admin/outbox/mail/{stuck.pk}/change/").content.decode()
    assert "refused for now" in detail
    assert client.get("/admin/outbox/mail/add/").status_code == 403
    response = client.post(f"/admin/outbox/mail/{stuck.pk}/change/", {"subject": "x"})
    assert response.status_code == 403
    assert Mail.objects.get(pk=stuck.pk).subject == stuck.subject


def test_an_operator_queues_failed_mail_again_from_admin(client, operator, queue):
    failed, sent = queue(2)
    Mail.objects.filter(pk=failed.pk).update(state="failed", attempts=rules.MAX_ATTEMPTS)
    Mail.objects.filter(pk=sent.pk).update(state="sent")
    client.force_login(operator)
    response = client.post(
        "/admin/outbox/mail/", {"action": "retry", "_selected_action": [failed.pk, sent.pk]}
    )
    assert response.status_code == 302
    assert list(Mail.objects.order_by("pk").values_list("state", "attempts")) == [
        ("queued", 0),
        ("sent", 0),
    ]


def test_sent_mails_past_the_keeping_period_are_purged_and_nothing_else(db, settings):
    settings.OUTBOX_KEEP_DAYS = 90
    now = dt.datetime(2015, 12, 1, 3, 45, tzinfo=dt.UTC)
    day = dt.timedelta(days=1)

    def written(state, sent_at=None):
        return MailFactory(state=state, sent_at=sent_at, created_at=now - 200 * day)

    old = [written(Mail.State.SENT, now - 91 * day) for _ in range(3)]
    kept = [
        written(Mail.State.SENT, now - 89 * day),  # still inside the period
        written(Mail.State.FAILED),  # for an operator to see
        written(Mail.State.QUEUED),  # still has to go
    ]
    assert sending.purge_sent(now=now, batch=2) == 3
    assert not Mail.objects.filter(pk__in=[m.pk for m in old]).exists()
    assert set(Mail.objects.values_list("pk", flat=True)) == {m.pk for m in kept}
    assert sending.purge_sent(now=now) == 0
