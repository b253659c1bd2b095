"""Receivers: entries are re-judged when they are saved.

Review listens to ``actionplan.signals.entry_saved``, the domain signal sent inside the
transaction that wrote the entries: once per saved entry from the plan page, once for a whole
sheet import or a batch of new entries. So the flags and the rollup commit or roll back with
the entries, and a 5,000-row import is judged in batches (a fixed number of queries per
1,000 entries), not row by row.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop

from review import events, judging


def entries_saved(sender, entry_ids, created: bool = False, **kwargs) -> None:
    judging.entries_changed(entry_ids, fresh=created)


def entry_deleting(sender, instance, **kwargs) -> None:
    judging.entry_deleted(instance)


def advice_added(sender, advice, **kwargs) -> None:
    """Prefecture or ministry advice on a plan reaches the organisation."""
    organization = advice.organization
    events.record(
        events.Kind.ADVICE,
        organization=organization,
        programme=advice.programme,
        actor=advice.author,
        message=gettext_noop("%(who)sから助言がありました（%(organization)s）"),
        params={"who": events.who(advice.author), "organization": organization.full_name},
        body=advice.body,
        url=reverse("actionplan:plan", args=[organization.code]) + "#advice",
        recipients=events.organization_side(organization),
    )
