"""Sending the outbox's mail: the immediate try after commit, beat's run over what is due,
and the purge of old sent mail (:mod:`outbox.tasks` runs them; :mod:`outbox.services` writes).

A sender claims mails with a conditional UPDATE (queued → sending, stamped with its own claim
token), so of two workers only one sends a given mail. A failed try puts the mail back in the
queue for later (:func:`outbox.rules.retry_delay`); after :data:`~outbox.rules.MAX_ATTEMPTS`
it is ``failed`` and keeps its last error for the operator.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.utils import timezone

from outbox import rules
from outbox.models import Mail

logger = logging.getLogger(__name__)

BATCH = 50  # mails claimed at a time: a slow relay never holds many mails "sending"
LIMIT = 1000  # mails one run of send_due sends at most (beat runs it every minute)
State = Mail.State


class RelayDown(Exception):
    """The mail relay could not be reached; the claimed mails were put back for later."""


def send_due(*, limit: int = LIMIT, now: dt.datetime | None = None) -> int:
    """Send the queued mails that are due, oldest first. Returns how many were sent.

    Queries: one to release stale claims, then per batch of :data:`BATCH` one read of the due
    ids, one claim UPDATE and one read of the claimed rows; then one UPDATE per mail.
    """
    now = now or timezone.now()
    release_stale(now)
    sent = 0
    while limit > 0:
        ids = list(
            Mail.objects.due(now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[: min(BATCH, limit)]
        )
        if not ids:
            break
        limit -= len(ids)
        try:
            sent += _send(ids, now)
        except RelayDown:
            break  # the rest waits for the next run rather than burning its tries now
    return sent


def send_one(mail_id: int) -> bool:
    """The immediate try after commit; ``False`` when it is not due or another worker has it."""
    try:
        return _send([mail_id], timezone.now()) == 1
    except RelayDown:
        return False


def _claim(ids: list[int], now: dt.datetime) -> list[Mail]:
    token = uuid.uuid4().hex
    claimed = Mail.objects.filter(pk__in=ids, state=State.QUEUED, next_attempt_at__lte=now).update(
        state=State.SENDING, claim=token, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return []
    return list(Mail.objects.filter(claim=token, state=State.SENDING).order_by("pk"))


def _send(ids: list[int], now: dt.datetime) -> int:
    mails = _claim(ids, now)
    if not mails:
        return 0
    try:
        connection = get_connection()
        connection.open()  # one SMTP session for the batch
    except Exception as exc:
        for mail in mails:
            _failed(mail, exc)
        raise RelayDown from exc
    sent = 0
    try:
        for mail in mails:
            try:
                _message(mail, connection).send()
            except Exception as exc:
                _failed(mail, exc)
            else:
                Mail.objects.filter(pk=mail.pk, claim=mail.claim).update(
                    state=State.SENT, sent_at=timezone.now(), claim="", last_error=""
                )
                sent += 1
    finally:
        connection.close()
    return sent


def _message(mail: Mail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        mail.subject,
        mail.body,
        mail.from_email or settings.DEFAULT_FROM_EMAIL,
        mail.to,
        reply_to=mail.reply_to or None,
        connection=connection,
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    return message


def _failed(mail: Mail, exc: Exception) -> None:
    """Back to the queue for a later try, or ``failed`` after the last one."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    now = timezone.now()
    changes: dict[str, object]
    if rules.gives_up(mail.attempts):
        changes = {"state": State.FAILED}
        logger.error("outbox: mail %s failed after %s tries: %s", mail.pk, mail.attempts, error)
    else:
        changes = {
            "state": State.QUEUED,
            "next_attempt_at": now + rules.retry_delay(mail.attempts),
        }
        logger.warning("outbox: mail %s try %s failed: %s", mail.pk, mail.attempts, error)
    Mail.objects.filter(pk=mail.pk, claim=mail.claim).update(claim="", last_error=error, **changes)


def release_stale(now: dt.datetime | None = None) -> int:
    """Mails left ``sending`` by a worker that died go back to the queue (one UPDATE)."""
    now = now or timezone.now()
    return Mail.objects.filter(state=State.SENDING, claimed_at__lt=now - rules.STALE).update(
        state=State.QUEUED, claim="", next_attempt_at=now
    )


def purge_sent(*, now: dt.datetime | None = None, batch: int = 1000) -> int:
    """Delete mails sent more than ``OUTBOX_KEEP_DAYS`` ago, a batch at a time (bodies hold
    names and links; a mailbox, not the portal, is where a sent mail is kept). Queued and
    failed mails stay: the first still has to go, the second is for an operator to see."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    old = Mail.objects.filter(state=Mail.State.SENT, sent_at__lt=cutoff)
    purged = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):
        purged += Mail.objects.filter(pk__in=ids).delete()[1].get("outbox.Mail", 0)
    return purged
