"""Daily digests: one mail per recipient per day, never one per flag.

Two steps, so a crash neither loses nor doubles a mail:

1. :func:`queue_digests` writes one :class:`NotificationEvent` per recipient and day (unique),
   in the same transaction that marks the flags it reports as notified; until it is delivered
   the day's later findings are added to it;
2. :func:`deliver` claims each event with a conditional UPDATE (pending → sending), renders
   its mail into the outbox and marks it sent, all in one transaction, so of two workers only
   one writes the mail; the outbox (:mod:`outbox.services`) sends it, with retries.
   :func:`release_stale` still returns events a worker left ``sending`` before the outbox
   existed.

Only accounts that receive mail (active and activated, :mod:`outbox.recipients`) get a digest.

Who hears about a newly significant, unexplained delay: the organisation's staff (its own late
tasks), its prefecture's administrators (their late municipalities) and the reviewers of the
work item's responsible ministries (theirs).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from accounts import permissions
from accounts.models import User
from actionplan.models import WorkItem
from outbox import services as outbox
from outbox.recipients import receives_mail, receiving
from review import events
from review.models import DelayFlag, Notice, NotificationEvent, ReviewEvent, Rule

STALE = dt.timedelta(minutes=30)
DIGEST_LINES = 50  # a mail lists this many; the rest are counted and shown on the site
STORED_LINES = 1000
SUBJECT = gettext_noop("【デジタルPMO】要フォローアップの遅延のお知らせ（%(day)s）")
NOTICES_SUBJECT = gettext_noop("【デジタルPMO】本日のお知らせ（%(day)s）")
DIGEST_NOTICES = 100  # review events a digest lists at most; the rest are counted


def _pending_flags():
    # ``__in`` rather than ``=True``: SQL then compares the booleans as values, so all four
    # columns of the ``delayflag_to_notify`` index are used and the job reads only the flags
    # still to report, however many flags are open.
    return DelayFlag.objects.open().filter(
        notified_on=None, significant__in=[True], approved__in=[False]
    )


@dataclass(frozen=True)
class _Flag:
    pk: int
    organization_id: int
    prefecture_id: int
    work_item_id: int
    line: str


FIELDS = (
    "pk",
    "organization_id",
    "organization__prefecture_id",
    "organization__name",
    "organization__prefecture__name",
    "work_item_id",
    "work_item__code",
    "entry__task__name",
    "entry__system__name",
    "rule",
    "days_late",
)


@transaction.atomic
def queue_digests(on: dt.date) -> int:
    """Write today's digests for flags not yet reported and for review events waiting for
    their recipient's digest (:mod:`review.events`). Returns how many were written."""
    return _queue_flags(on) + _queue_notices(on)


def _queue_notices(on: dt.date) -> int:
    """A digest for each recipient with notices waiting and no digest due yet (two queries,
    plus the events written). The notices themselves are read when the digest is sent."""
    waiting = set(
        Notice.objects.filter(immediate=False, digested_on=None)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by()
    )
    if not waiting:
        return 0
    due = set(
        NotificationEvent.objects.filter(
            recipient_id__in=waiting, state=NotificationEvent.State.PENDING
        ).values_list("recipient_id", flat=True)
    )
    wanted = waiting - due
    return _write_events(on, {pk: [] for pk in wanted}, dict.fromkeys(wanted, "notices"))


def _claim(on: dt.date) -> list[int]:
    """Mark every flag still to report as reported on ``on``, returning their ids: one
    ``UPDATE … RETURNING`` over the ``delayflag_to_notify`` index. Its row locks keep a second
    run from claiming them too (it waits, then finds them reported). The locks of a
    ``SELECT … FOR UPDATE`` and then an update by id wrote every flag twice: 0.6 s of a
    national night that reports 21,000 flags."""
    query = _pending_flags().query
    where, params = query.get_compiler(connection=connection).compile(query.where)
    table = connection.ops.quote_name(DelayFlag._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET notified_on = %s WHERE {where} RETURNING id",  # noqa: S608
            [connection.ops.adapt_datefield_value(on), *params],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _queue_flags(on: dt.date) -> int:
    claimed = _claim(on)
    if not claimed:
        return 0
    wording = _Wording()  # translated once, not once a flag (a national night has 20,000)
    flags = [
        _flag(row, wording)
        for row in DelayFlag.objects.filter(pk__any=claimed)
        .order_by("organization__code", "work_item__order", "entry__task__order", "pk")
        .values_list(*FIELDS)
    ]
    lines: dict[int, list[str]] = defaultdict(list)
    kinds: dict[int, str] = {}
    recipients_of = _recipients(flags)
    for flag in flags:
        for user_id, kind in recipients_of(flag):
            if not lines[user_id] or lines[user_id][-1] != flag.line:
                lines[user_id].append(flag.line)
            kinds.setdefault(user_id, kind)
    return _write_events(on, lines, kinds)


def _write_events(on: dt.date, lines: dict[int, list[str]], kinds: dict[int, str]) -> int:
    """One event per recipient and day. A recipient whose digest for ``on`` is still pending
    gets the lines added to it; one whose digest already went out gets them in tomorrow's
    (sent from tomorrow), so nobody gets two mails a day and no flag is left unreported."""
    tomorrow = on + dt.timedelta(days=1)
    existing = {
        (event.recipient_id, event.day): event
        for event in NotificationEvent.objects.select_for_update().filter(
            recipient_id__in=list(lines), day__in=[on, tomorrow]
        )
    }
    new: list[NotificationEvent] = []
    for user_id, body in lines.items():
        for day in (on, tomorrow):
            event = existing.get((user_id, day))
            if event is None:
                new.append(
                    NotificationEvent(
                        recipient_id=user_id, day=day, kind=kinds[user_id], lines=_capped(body)
                    )
                )
                break
            if event.state == NotificationEvent.State.PENDING:
                seen = set(event.lines)
                added = [line for line in body if line not in seen]
                if added:
                    event.lines = _capped([*event.lines, *added])
                    if event.kind == NotificationEvent.Kind.NOTICES:
                        event.kind = kinds[user_id]  # delays now lead the digest
                    event.save(update_fields=["lines", "kind"])
                break
    NotificationEvent.objects.bulk_create(new)
    return len(new)


def _capped(lines: list[str]) -> list[str]:
    """A digest keeps at most STORED_LINES lines (a first national night can flag thousands);
    the rest are counted, and the site has them all."""
    if len(lines) <= STORED_LINES:
        return lines
    return [*lines[:STORED_LINES], more(len(lines) - STORED_LINES)]


def more(count: int) -> str:
    return gettext("（ほか %(count)s 件）") % {"count": count}


RULE_LABELS = dict(Rule.choices)


class _Wording:
    """A digest line's wording in the language the scan runs in (stored in the recipient's
    digest, which has one reader)."""

    def __init__(self) -> None:
        self.system = gettext("（%(name)s）")
        self.line = gettext("%(organization)s: %(task)s — %(rule)s（%(days)s日）")
        self.rules = {rule: str(label) for rule, label in RULE_LABELS.items()}


def _flag(row, wording: _Wording) -> _Flag:
    pk, org, pref, name, pref_name, work_item, code, task, system, rule, days = row
    full_name = f"{pref_name} {name}" if pref_name else name
    suffix = wording.system % {"name": system} if system else ""
    line = wording.line % {
        "organization": full_name,
        "task": f"{code}. {task}{suffix}",
        "rule": wording.rules[rule],
        "days": days,
    }
    return _Flag(pk, org, pref or org, work_item, line)


def _recipients(flags: list[_Flag]):
    """A function flag → [(user id, kind)], from four queries for the whole batch."""
    org_ids = {flag.organization_id for flag in flags}
    prefecture_ids = {flag.prefecture_id for flag in flags}
    staff: dict[int, list[int]] = defaultdict(list)
    for user_id, org_id in User.objects.filter(
        receiving(),
        permissions.told(permissions.OWN_LATE),
        organization_id__in=org_ids,
    ).values_list("pk", "organization_id"):
        staff[org_id].append(user_id)
    admins: dict[int, list[int]] = defaultdict(list)
    for user_id, org_id in User.objects.filter(
        receiving(),
        permissions.told(permissions.MUNICIPALITIES_LATE),
        organization_id__in=prefecture_ids,
    ).values_list("pk", "organization_id"):
        admins[org_id].append(user_id)
    bureaus: dict[int, set[int]] = defaultdict(set)
    work_item_ids = {flag.work_item_id for flag in flags}
    for work_item_id, bureau_id in WorkItem.responsible_bureaus.through.objects.filter(
        workitem_id__in=work_item_ids
    ).values_list("workitem_id", "organization_id"):
        bureaus[work_item_id].add(bureau_id)
    reviewers: dict[int, list[int]] = defaultdict(list)
    all_bureaus = set().union(*bureaus.values()) if bureaus else set()
    for user_id, org_id in User.objects.filter(
        receiving(),
        permissions.told(permissions.MINISTRY_REVIEWERS),
        organization_id__in=all_bureaus,
    ).values_list("pk", "organization_id"):
        reviewers[org_id].append(user_id)

    def recipients(flag: _Flag) -> list[tuple[int, str]]:
        found = [(user_id, "organization") for user_id in staff[flag.organization_id]]
        found += [(user_id, "prefecture") for user_id in admins[flag.prefecture_id]]
        for bureau in bureaus[flag.work_item_id]:
            found += [(user_id, "ministry") for user_id in reviewers[bureau]]
        return found

    return recipients


def release_stale(now: dt.datetime | None = None) -> int:
    """Events stuck in ``sending`` (a worker died mid-send) become pending again."""
    now = now or timezone.now()
    return NotificationEvent.objects.filter(
        state=NotificationEvent.State.SENDING, claimed_at__lt=now - STALE
    ).update(state=NotificationEvent.State.PENDING)


def pending_ids(limit: int = 500, today: dt.date | None = None) -> list[int]:
    """Events due to be sent (tomorrow's, written after today's went out, wait)."""
    today = today or timezone.localdate()
    return list(
        NotificationEvent.objects.filter(state=NotificationEvent.State.PENDING, day__lte=today)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim(event_id: int) -> bool:
    """Take one event for sending; False when another worker took it first."""
    return bool(
        NotificationEvent.objects.filter(pk=event_id, state=NotificationEvent.State.PENDING).update(
            state=NotificationEvent.State.SENDING, claimed_at=timezone.now()
        )
    )


def deliver(event_ids: list[int]) -> int:
    """Write the mails of the events this worker manages to claim to the outbox. Returns how
    many it wrote (an event whose recipient was stopped meanwhile is closed without one)."""
    written = 0
    for event_id in event_ids:
        with transaction.atomic():
            if not claim(event_id):
                continue
            event = NotificationEvent.objects.select_related("recipient__organization").get(
                pk=event_id
            )
            notices = _take_notices(event)
            if receives_mail(event.recipient) and (event.lines or notices):
                subject = SUBJECT if event.lines else NOTICES_SUBJECT
                with translation.override(events.language_of(event.recipient)):
                    outbox.enqueue(
                        kind="review.digest",
                        to=[event.recipient.email],
                        subject=gettext(subject) % {"day": event.day.strftime("%Y/%m/%d")},
                        body=_body(event, notices),
                    )
                written += 1
            NotificationEvent.objects.filter(pk=event_id).update(
                state=NotificationEvent.State.SENT, sent_at=timezone.now()
            )
    return written


def send_pending() -> int:
    release_stale()
    return deliver(pending_ids())


SEND_DIGESTS = "review.tasks.send_digests"


def send_soon() -> None:
    """Hand sending to a worker once the events are committed. The task is found by its name
    in Celery's registry (it still runs in-process when jobs do): importing review.tasks here
    made every module on the way from the tasks back to this one a ring of imports."""
    task = current_app.tasks[SEND_DIGESTS]
    # robust: the events are committed; a broker that is down leaves them to the beat entry.
    transaction.on_commit(task.delay, robust=True)


def _link(event: NotificationEvent) -> str:
    """Where the recipient reads the details: its own plan, or the late organisations."""
    organization = event.recipient.organization
    if event.kind == NotificationEvent.Kind.ORGANIZATION and organization is not None:
        return settings.SITE_URL + reverse("actionplan:plan", args=[organization.code])
    if event.kind == NotificationEvent.Kind.PREFECTURE and organization is not None:
        return settings.SITE_URL + reverse("review:prefecture", args=[organization.code])
    return settings.SITE_URL + reverse("review:late")


def _take_notices(event: NotificationEvent) -> list[ReviewEvent]:
    """The review events waiting for this recipient's digest, marked as sent with it (two
    queries; called inside the digest's transaction, so they are mailed exactly once)."""
    waiting = Notice.objects.filter(
        recipient_id=event.recipient_id, immediate=False, digested_on=None
    )
    ids = list(waiting.values_list("pk", flat=True))
    if not ids:
        return []
    found = list(ReviewEvent.objects.filter(notices__pk__in=ids).order_by("created_at", "pk"))
    Notice.objects.filter(pk__in=ids).update(digested_on=event.day)
    return found


def _notice_lines(notices: list[ReviewEvent]) -> str:
    text = events.lines(notices[:DIGEST_NOTICES])
    if len(notices) > DIGEST_NOTICES:
        text += "\n" + more(len(notices) - DIGEST_NOTICES)
    return text


INTRO = {
    "organization": gettext_noop("貴団体の次のタスクが要フォローアップの遅延となりました。"),
    "prefecture": gettext_noop("管内の市区町村で次のタスクが要フォローアップの遅延となりました。"),
    "ministry": gettext_noop("所管の作業項目で次のタスクが要フォローアップの遅延となりました。"),
}
HAPPENED = gettext_noop("デジタルPMOで次のことがありました。")
ONCE_A_DAY = gettext_noop("（このメールは1日1通にまとめて送信しています）")


def _body(event: NotificationEvent, notices: Sequence[ReviewEvent] = ()) -> str:
    """The digest's text, in the active language (:func:`deliver` sets the recipient's)."""
    name = event.recipient.display_name or event.recipient.email
    greeting = gettext("%(name)s 様") % {"name": name}
    if not event.lines:
        return (
            f"{greeting}\n\n{gettext(HAPPENED)}\n\n"
            f"{_notice_lines(list(notices))}\n\n"
            f"{gettext(ONCE_A_DAY)}\n"
            f"{events.footer()}"
        )
    lines = "\n".join(gettext("・%(line)s") % {"line": line} for line in event.lines[:DIGEST_LINES])
    if len(event.lines) > DIGEST_LINES:
        lines += "\n" + more(len(event.lines) - DIGEST_LINES)
    return (
        f"{greeting}\n\n{gettext(INTRO[event.kind])}\n\n{lines}\n\n"
        + gettext("詳細はデジタルPMOの「進捗確認」でご確認ください。")
        + f"\n{_link(event)}\n"
        + (f"\n{gettext(HAPPENED)}\n\n{_notice_lines(list(notices))}\n" if notices else "")
        + f"{gettext(ONCE_A_DAY)}\n"
        + (events.footer() if notices else "")
    )
