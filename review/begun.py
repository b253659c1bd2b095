"""What counts as having begun an entry, in the two senses of "who hasn't started?"
(:mod:`review.not_begun`): entered nothing (no planned date, no status set, 対象外 included)
and started nothing (no actual date, no work under way).

Each sense in two forms of one rule: a ``Q`` on the entries (TOP's reminder, the tests'
recount) and a predicate on a judged row (:mod:`review.judging` stores both on the entry's
state, so the per-organisation rollup counts them). ``tests/review/test_not_started.py``
holds the two forms equal.
"""

from __future__ import annotations

from django.db.models import Q

from actionplan.models import Status

NOT_ENTERED = "not_entered"
NOT_STARTED = "not_started"

BEGUN = {
    NOT_ENTERED: Q(planned_start__isnull=False)
    | Q(planned_end__isnull=False)
    | ~Q(status=Status.NOT_STARTED),
    NOT_STARTED: Q(actual_start__isnull=False)
    | Q(actual_end__isnull=False)
    | Q(status__in=(Status.IN_PROGRESS, Status.DONE)),
}
# The rollup's column counting the entries begun in each sense.
COLUMN = {NOT_ENTERED: "entered", NOT_STARTED: "started"}


def entered(entry) -> bool:
    """``BEGUN[NOT_ENTERED]`` of an entry or a row with its dates and status."""
    return (
        entry.planned_start is not None
        or entry.planned_end is not None
        or entry.status != Status.NOT_STARTED
    )


def started(entry) -> bool:
    """``BEGUN[NOT_STARTED]`` of an entry or a row with its dates and status."""
    return (
        entry.actual_start is not None
        or entry.actual_end is not None
        or entry.status in (Status.IN_PROGRESS, Status.DONE)
    )
