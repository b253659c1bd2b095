"""Workers sending at the same time (real threads, real row locks: Postgres only)."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, connections

from outbox import sending
from outbox.models import Mail

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need Postgres (DATABASE_URL)"
)

WORKERS = 4
MAILS = 300


def test_concurrent_workers_send_each_mail_once(transactional_db, monkeypatch):
    monkeypatch.setattr(sending, "BATCH", 7)  # many small claims, so the workers interleave
    Mail.objects.bulk_create(
        Mail(kind="test", to=[f"user{n}@city.sapporo.lg.jp"], subject=f"件名 {n}", body="本文")
        for n in range(MAILS)
    )
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []
    sent: list[int] = []

    def work() -> None:
        try:
            barrier.wait()
            sent.append(sending.send_due())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == MAILS
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == MAILS and len(set(recipients)) == MAILS
    assert set(Mail.objects.values_list("state", "attempts").distinct()) == {("sent", 1)}
