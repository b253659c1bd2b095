"""Mail survives a broker outage and a relay that refuses: it waits in the outbox and is sent
once when they are back (own Redis on a free port; locmem mail backend)."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.urls import reverse

from outbox import sending, services, tasks
from outbox.models import Mail


@pytest.fixture
def real_broker(own_redis, monkeypatch):
    """Celery publishes to this test's own Redis (not in-process) for the test's duration."""
    from pmo.celery import app

    monkeypatch.setattr(services, "_broker_down_until", 0.0)  # the pause is this test's only

    saved = app.conf.broker_url, app.conf.task_always_eager

    def reset_pools() -> None:
        from kombu import pools

        pools.reset()  # closes and forgets every broker connection and producer pool
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    app.conf.broker_url, app.conf.task_always_eager = own_redis.url, False
    yield own_redis
    reset_pools()
    app.conf.broker_url, app.conf.task_always_eager = saved


def queued_tasks(redis_url: str) -> int:
    import redis

    return redis.Redis.from_url(redis_url).llen("celery")


def test_an_inquiry_submitted_while_the_broker_is_down_is_mailed_once_it_is_back(
    transactional_db, real_broker, client, alice
):
    real_broker.stop()
    client.force_login(alice)
    started = time.monotonic()
    response = client.post(
        reverse("faq:inquiry_new"),
        {"subject": "中間サーバーの予算", "body": "予算措置は？", "work_item": "", "field": ""},
    )
    took = time.monotonic() - started
    assert response.status_code == 302  # the inquiry is saved; the request does not fail
    [written] = Mail.objects.all()
    assert (written.kind, written.state, written.attempts) == ("faq.received", "queued", 0)
    assert mail.outbox == []
    real_broker.start()
    assert tasks.send_due() == 1  # the beat entry, once a worker runs again
    assert sending.send_due() == 0
    assert [m.to for m in mail.outbox] == [[alice.email]]
    written.refresh_from_db()
    assert (written.state, written.attempts) == ("sent", 1)
    print(f"request with the broker down: {took:.2f} s")


def test_requests_during_an_outage_do_not_wait_for_the_broker_again(
    transactional_db, real_broker, client, alice
):
    real_broker.stop()
    client.force_login(alice)
    data = {"subject": "件名", "body": "本文", "work_item": "", "field": ""}
    client.post(reverse("faq:inquiry_new"), data)
    assert services._broker_down_until > time.monotonic()  # the next ones skip the broker
    client.post(reverse("faq:inquiry_new"), data)
    assert Mail.objects.filter(state="queued").count() == 2
    real_broker.start()
    assert sending.send_due() == 2 and len(mail.outbox) == 2


def test_with_the_broker_up_the_mail_is_handed_to_a_worker_and_sent_once(
    transactional_db, real_broker, client, alice
):
    client.force_login(alice)
    client.post(
        reverse("faq:inquiry_new"),
        {"subject": "件名", "body": "本文", "work_item": "", "field": ""},
    )
    assert queued_tasks(real_broker.url) == 1  # outbox.send_mail, for a worker
    written = Mail.objects.get()
    # Beat gets there first; the worker's immediate try then finds it sent.
    assert sending.send_due() == 1
    assert tasks.send_mail(written.pk) is False
    assert len(mail.outbox) == 1


def test_a_relay_that_refuses_delays_the_mail_but_does_not_lose_it(
    transactional_db, client, alice, settings, time_machine
):
    settings.EMAIL_BACKEND = "tests.outbox.backends.RefusingBackend"
    client.force_login(alice)
    client.post(
        reverse("faq:inquiry_new"),
        {"subject": "件名", "body": "本文", "work_item": "", "field": ""},
    )
    written = Mail.objects.get()  # the immediate (in-process) try failed
    assert (written.state, written.attempts) == ("queued", 1)
    assert "SMTPDataError" in written.last_error
    time_machine.move_to(written.next_attempt_at, tick=False)
    assert sending.send_due() == 0
    written.refresh_from_db()
    assert written.attempts == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(written.next_attempt_at, tick=False)
    assert sending.send_due() == 1 and sending.send_due() == 0
    assert [m.to for m in mail.outbox] == [[alice.email]]
