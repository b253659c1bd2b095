"""Reminders to organisations that have not entered their plan (督促), from the not-started
page: a prefecture admin reminds its municipalities, the coordinator any local government.

At most one reminder per organisation and day, whoever sends it (the partial unique
constraint ``reviewevent_one_reminder_a_day`` holds even against two admins at once). Each is a
:class:`~review.models.ReviewEvent` of kind ``reminder`` told to the organisation's staff like
every review event (digest or at once, by their choice), and shown on the organisation's TOP
until it has entered something.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts import audit, permissions
from review import events
from review.models import ReviewEvent

SUMMARY = gettext_noop("%(who)sから計画の入力のお願いがあります（%(organization)s、%(programme)s）")


@dataclass
class Reminded:
    sent: list = field(default_factory=list)  # organisations reminded now
    already: int = 0  # reminded earlier today (by anyone)


class AlreadyReminding(Exception):
    """Another reminder to one of them was written at the same moment; nothing was sent."""


def remind(user, organizations, programme, *, request=None) -> Reminded:
    """Remind ``organizations`` (those of them ``user`` may remind) to enter their plan in
    ``programme``. Queries: the reach, today's reminders, one INSERT of the events, the
    recipients, one INSERT of the notices, one per immediate mail and one audit row per
    organisation reminded."""
    today = timezone.localdate()
    reach = permissions.organizations(user, permissions.REMIND).values("pk")
    targets = list(
        organizations.filter(pk__in=reach).select_related("prefecture", "parent").order_by("code")
    )
    done = set(
        ReviewEvent.objects.filter(
            kind=ReviewEvent.Kind.REMINDER,
            day=today,
            organization_id__in=[organization.pk for organization in targets],
        ).values_list("organization_id", flat=True)
    )
    result = Reminded(already=len(done & {organization.pk for organization in targets}))
    fresh = [organization for organization in targets if organization.pk not in done]
    if not fresh:
        return result
    deadline = programme.plan_deadline
    body_message = (
        gettext_noop(
            "%(programme)s の計画（予定の開始日・終了日）がまだ入力されていません。"
            "%(deadline)sまでに入力をお願いします。"
        )
        if deadline
        else gettext_noop(
            "%(programme)s の計画（予定の開始日・終了日）がまだ入力されていません。"
            "お早めに入力をお願いします。"
        )
    )
    written = []
    for organization in fresh:
        params = {
            "who": events.who(user),
            "organization": organization.full_name,
            "programme": programme.name,
            "deadline": f"{deadline:%Y/%m/%d}" if deadline else "",
        }
        written.append(
            ReviewEvent(
                kind=ReviewEvent.Kind.REMINDER,
                organization=organization,
                programme=programme,
                actor=user,
                actor_organization=getattr(user, "organization", None),
                summary=events.stored(SUMMARY, params)[:300],
                body=events.stored(body_message, params),
                message=SUMMARY,
                body_message=body_message,
                params=params,
                url=reverse("actionplan:plan", args=[organization.code]),
                day=today,
            )
        )
    try:
        with transaction.atomic():
            ReviewEvent.objects.bulk_create(written)
            if written and written[0].pk is None:  # a backend that returns no ids
                by_org = dict(
                    ReviewEvent.objects.filter(
                        kind=ReviewEvent.Kind.REMINDER, day=today, organization__in=fresh
                    ).values_list("organization_id", "pk")
                )
                for event in written:
                    event.pk = by_org[event.organization_id]
            staff = defaultdict(list)
            for person in events.people(
                events.organization_side_of([organization.pk for organization in fresh]), user
            ):
                staff[person.organization_id].append(person)
            events.notify([(event, staff[event.organization_id]) for event in written])
            for organization in fresh:
                audit.record(
                    audit.Kind.CONTENT,
                    request=request,
                    actor=user,
                    organization=organization,
                    target=organization,
                    detail=f"計画の入力を督促（{programme.name}）",
                )
    except IntegrityError as error:
        raise AlreadyReminding from error
    result.sent = fresh
    return result
