"""Reminders (督促) to organisations that have not answered a survey.

A reminder is a review event (:func:`review.events.record`) addressed to the organisation's
people: it waits for each person's daily digest (or goes at once to those who chose so), the
same way every other notice of the portal does, so an organisation reminded of three surveys
gets one mail that day, never one per survey or per person. An organisation is reminded of one
survey at most once a day: a second press of the button the same day changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts import audit
from review import events
from review.models import ReviewEvent
from surveys.models import Response, ResponseStatus, Survey

# Rendered in each reader's language when the notice is read (review.models.render_message).
ASKED = gettext_noop("照会「%(title)s」への回答のお願い（期限 %(date)s）")


def _url(survey: Survey, organization) -> str:
    return reverse("surveys:answer", args=[survey.pk, organization.code])


@transaction.atomic
def remind(survey: Survey, responses: Iterable[Response], *, actor, request=None) -> int:
    """Remind the organisations of ``responses`` not yet submitted; returns how many."""
    today = timezone.localdate()
    pending = [r for r in responses if r.status != ResponseStatus.SUBMITTED]
    urls = {_url(survey, r.organization): r for r in pending}
    already = set(
        ReviewEvent.objects.filter(
            kind=ReviewEvent.Kind.SURVEY_REMINDER, day=today, url__in=list(urls)
        ).values_list("url", flat=True)
    )
    closes = survey.closes_on.strftime("%Y/%m/%d")
    count = 0
    for url, response in urls.items():
        if url in already:
            continue
        events.record(
            ReviewEvent.Kind.SURVEY_REMINDER,
            organization=response.organization,
            actor=actor,
            message=ASKED,
            params={"title": survey.title, "date": closes},
            url=url,
            recipients=events.organization_side(response.organization),
            day=today,
        )
        count += 1
    if count:
        audit.record(
            audit.Kind.CONTENT,
            request=request,
            actor=actor,
            organization=survey.issuer,
            target=f"survey:{survey.pk} {survey.title}",
            after={"reminded": count},
            detail="督促",
        )
    return count
