"""Review events reach "the other side": one :class:`~review.models.ReviewEvent` per thing that
happened, one :class:`~review.models.Notice` per person to tell, written in the transaction of
the change by the service that made it (so the admin, a script or the shell notify as the
pages do).

Who is told:

- events by the reviewing side (a follow-up opened, a note, a follow-up closed, a 確認結果,
  advice, an approval, a reminder): the organisation's staff (staff, its account managers,
  and a prefecture's administrators for the prefecture's own plan);
- an answer from the organisation: whoever opened the follow-up and the reviewing people of
  the organisation that opened it (a ministry bureau, the coordinator's division, a
  prefecture);
- a plan routed to ministries: the reviewers of those bureaus.

Never the person who acted, and only accounts that receive mail (active and activated,
:mod:`outbox.recipients`). Each recipient chooses 「通知の受け取り方」: 毎日のまとめ (default;
the notice waits for the daily digest, :mod:`review.notifications`) or すぐに (one mail now,
through the outbox). Queries: one for the recipients, one INSERT for the event, one bulk
INSERT for the notices, and one INSERT per immediate mail.

An event is stored once and read by several people, maybe in different languages: it keeps
its summary as a message (a msgid, marked with ``gettext_noop`` where it is written) and its
parameters, rendered for each reader (:meth:`~review.models.ReviewEvent.text`); mails are
rendered in the recipient's language (:func:`language_of`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from accounts import permissions
from accounts.models import NotificationMode, User
from outbox import services as outbox
from outbox.recipients import receiving
from review.models import Notice, ReviewEvent, render_message

Kind = ReviewEvent.Kind
SUBJECT = gettext_noop("【デジタルPMO】%(summary)s")
SYSADMIN = gettext_noop("システム管理者")


def organization_side(organization) -> Q:
    """The organisation's staff, as a condition on users."""
    return organization_side_of([organization.pk])


def organization_side_of(organization_ids: list[int]) -> Q:
    """The people of those organisations who answer for their plans."""
    return Q(organization_id__in=organization_ids) & permissions.told(permissions.PLAN_SIDE)


def reviewing_side(organization_id: int | None, opener_id: int | None = None) -> Q:
    """Whoever opened it, and the reviewing people of the organisation that did."""
    found = Q(pk=opener_id) if opener_id else Q(pk__in=[])
    if organization_id:
        found |= Q(organization_id=organization_id) & permissions.told(
            permissions.FOLLOW_UP_READERS
        )
    return found


def reviewers_of(ministry_ids: Iterable[int]) -> Q:
    return Q(organization_id__in=list(ministry_ids)) & permissions.told(
        permissions.MINISTRY_REVIEWERS
    )


def record(
    kind: str,
    *,
    organization,
    actor,
    url: str,
    recipients: Q,
    message: str = "",
    params: dict | None = None,
    summary: str = "",
    body: str = "",
    programme=None,
    day=None,
) -> ReviewEvent:
    """Write the event and tell ``recipients`` (a condition on users), the actor excepted.
    ``message`` is the summary's msgid (marked with ``gettext_noop``) and ``params`` its
    values (:func:`review.models.render_message`); the summary is also stored as written, in
    Japanese. A caller without a message passes ``summary``, stored and shown as it is (the
    survey desk's reminders, for now: they read in the writer's language). The link names
    the event's programme, so a mail read after another programme opens (or after this one
    closes) still shows what it is about."""
    if programme is not None and "programme=" not in url:
        url += ("&" if "?" in url else "?") + f"programme={programme.pk}"
    event = ReviewEvent.objects.create(
        kind=kind,
        organization=organization,
        programme=programme,
        actor=actor,
        actor_organization=getattr(actor, "organization", None),
        summary=(stored(message, params or {}) if message else summary)[:300],
        message=message,
        params=params or {},
        body=body,
        url=url,
        day=day or timezone.localdate(),
    )
    notify([(event, list(people(recipients, actor)))])
    return event


def people(recipients: Q, actor=None):
    """The users ``recipients`` names who receive mail, the actor excepted (one query)."""
    found = User.objects.filter(receiving()).filter(recipients)
    if actor is not None and actor.pk:
        found = found.exclude(pk=actor.pk)
    return found.only("pk", "email", "display_name", "notification_mode", "organization_id")


def notify(told: list[tuple[ReviewEvent, list]]) -> int:
    """One notice per event and person; a mail now for those who chose すぐに (one INSERT
    each), the rest wait for their digest. One bulk INSERT of the notices."""
    notices = [
        Notice(
            event=event,
            recipient=person,
            immediate=person.notification_mode == NotificationMode.IMMEDIATE,
        )
        for event, persons in told
        for person in {person.pk: person for person in persons}.values()
    ]
    for notice in notices:
        if notice.immediate:
            with translation.override(language_of(notice.recipient)):
                notice.mail = outbox.enqueue(
                    kind=f"review.{notice.event.kind}",
                    to=[notice.recipient.email],
                    subject=gettext(SUBJECT) % {"summary": notice.event.text()},
                    body=mail_body(notice.recipient, [notice.event]),
                )
    Notice.objects.bulk_create(notices)
    return len(notices)


def stored(message: str, params: dict) -> str:
    """The message as stored in ``summary``: in Japanese, whoever wrote it."""
    with translation.override(None):  # no catalogue: the msgids, which are the Japanese
        return render_message(message, params)


def phrase(label) -> dict:
    """A translatable parameter: a choice's label (lazy: ``Choice(value).label``, not
    ``get_FOO_display()``, which is already in the writer's language) or a ``gettext_noop``
    text, stored as its msgid and translated for each reader."""
    with translation.override(None):
        return {"msgid": str(label)}


def language_of(user) -> str:
    """The language to write to ``user`` in: the site's (accounts hold no preference yet)."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def who(user) -> str | dict:
    """The acting side as a mail names it: its organisation, or the person (a parameter of
    a message: the system administrator is a phrase, translated for each reader)."""
    if user is None:
        return phrase(SYSADMIN)
    organization = getattr(user, "organization", None)
    return organization.full_name if organization is not None else user.display_name


def link(path: str) -> str:
    return settings.SITE_URL + path


def lines(events: Iterable[ReviewEvent]) -> str:
    """The events as the lines of a mail: when, what, the excerpt and where to act."""
    parts = []
    for event in events:
        when = timezone.localtime(event.created_at).strftime("%Y/%m/%d %H:%M")
        text = gettext("・%(when)s %(summary)s") % {"when": when, "summary": event.text()}
        if body := event.body_text():
            excerpt = " ".join(body.split())
            quoted = excerpt[:200] + ("…" if len(excerpt) > 200 else "")
            text += "\n  " + gettext("「%(excerpt)s」") % {"excerpt": quoted}
        parts.append(f"{text}\n  {link(event.url)}")
    return "\n".join(parts)


def mail_body(recipient, events: list[ReviewEvent]) -> str:
    name = recipient.display_name or recipient.email
    """In the active language (the caller chooses the recipient's, :func:`language_of`)."""
    return (
        gettext("%(name)s 様") % {"name": name}
        + "\n\n"
        + gettext("デジタルPMOで次のことがありました。")
        + f"\n\n{lines(events)}\n\n{footer()}"
    )


def footer() -> str:
    return (
        gettext("通知の受け取り方（毎日のまとめ／すぐに）は「設定」で変更できます。")
        + f"\n{link(reverse('own_settings'))}\n"
    )
