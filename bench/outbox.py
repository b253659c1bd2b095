"""The outbox: writing a mail, and sending a backlog of 1,000 queued mails with the locmem
backend (the cost of the outbox itself, not of an SMTP relay): time and queries per mail."""

from __future__ import annotations

import time

from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from bench import benchmark

BACKLOG = 1000


@benchmark
def outbox_send() -> dict[str, float]:
    from outbox import sending, services
    from outbox.models import Mail

    start = time.perf_counter()
    with transaction.atomic():
        for n in range(BACKLOG):
            services.enqueue(
                kind="bench",
                to=[f"user{n}@city.sapporo.lg.jp"],
                subject=f"【デジタルPMO】お知らせ {n}",
                body="本文\n" * 20,
            )
        # The immediate hand-over is not measured: drop it, beat's send_due does the work.
        transaction.get_connection().run_on_commit.clear()
    enqueue_ms = (time.perf_counter() - start) / BACKLOG * 1000
    mail.outbox = []
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        CaptureQueriesContext(connection) as queries,
    ):
        start = time.perf_counter()
        sent = sending.send_due(limit=BACKLOG)
        seconds = time.perf_counter() - start
    assert sent == BACKLOG == len(mail.outbox), (sent, len(mail.outbox))
    assert not Mail.objects.filter(state="queued").exists()
    return {
        "outbox.enqueue_ms_per_mail": round(enqueue_ms, 3),
        "outbox.send_1000_s": round(seconds, 3),
        "outbox.queries_per_mail": round(len(queries) / BACKLOG, 3),
    }
