"""Writing mail to the outbox (sending it is :mod:`outbox.sending`).

:func:`enqueue` is called inside the transaction of the change that causes the mail: the mail
is saved or rolled back with the change, and once it commits an immediate send is handed to a
worker (:mod:`outbox.tasks`). Whether that hand-over works (the broker may be down) does not
matter to the request: beat runs :func:`outbox.sending.send_due` every minute and sends
whatever is still queued.

A sender claims mails with a conditional UPDATE (queued → sending, stamped with its own claim
token), so of two workers only one sends a given mail. A failed try puts the mail back in the
queue for later (:func:`outbox.rules.retry_delay`); after :data:`~outbox.rules.MAX_ATTEMPTS`
it is ``failed`` and keeps its last error for the operator (admin, 送信メール). A worker that
dies mid-send leaves its mails ``sending``; after :data:`~outbox.rules.STALE` they are queued
again, so a mail is sent at least once and, barring such a crash after the relay accepted it,
exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from outbox import tasks
from outbox.models import Mail

logger = logging.getLogger(__name__)

State = Mail.State


def enqueue(
    *,
    kind: str,
    to: Iterable[str],
    subject: str,
    body: str,
    html: str = "",
    reply_to: Iterable[str] = (),
    from_email: str = "",
) -> Mail | None:
    """Write one mail (``None`` when it has no recipient) and send it soon after commit.

    Call it inside the transaction of the change that causes the mail. One INSERT.
    """
    addresses = list(dict.fromkeys(address.strip() for address in to if (address or "").strip()))
    if not addresses:
        return None
    mail = Mail.objects.create(
        kind=kind,
        to=addresses,
        reply_to=list(reply_to),
        from_email=from_email,
        subject=" ".join(subject.split()),
        body=body,
        html=html,
    )
    mail_id = mail.pk
    transaction.on_commit(lambda: _send_soon(mail_id))
    return mail


# After a failed hand-over this process skips the broker for a while: the beat sends the mail
# within a minute anyway, and requests during an outage should not each wait for a timeout.
BROKER_PAUSE = 30.0  # seconds
_broker_down_until = 0.0


def _send_soon(mail_id: int) -> None:
    """Hand the mail to a worker; a broker that is down is logged, the beat sends it later.

    Never raises: the change that caused the mail is committed, and the mail is safe in the
    outbox. One try on its own connection (the pool's would retry for seconds), 1 s at most.
    """
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return
    try:
        with tasks.send_mail.app.connection_for_write(
            connect_timeout=1, transport_options={"max_retries": 0}
        ) as connection:
            # celery-types does not list apply_async's connection argument (Celery takes it).
            tasks.send_mail.apply_async((mail_id,), retry=False, connection=connection)  # type: ignore[call-arg]
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_PAUSE
        logger.warning("outbox: mail %s stays queued (broker unreachable)", mail_id, exc_info=True)


def retry(ids: Iterable[int]) -> int:
    """An operator's 再送: failed mails are queued again with a fresh count of tries."""
    return Mail.objects.filter(pk__in=list(ids), state=State.FAILED).update(
        state=State.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
