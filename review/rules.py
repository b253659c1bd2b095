"""The delay rules of the design ("Delay detection"), as pure functions: plain values in,
flags out, no database, so every boundary is table-tested.

For today ``T`` (Asia/Tokyo) and an applicable entry whose milestone is ``M``:

- ``no_plan``: a planned date is missing and ``T`` is after the plan deadline
  (days = T − deadline);
- ``plan_after``: planned end later than ``M`` (days = planned end − M);
- ``start_overdue``: no actual start and planned start before ``T`` (days = T − start);
- ``end_overdue``: no actual end and planned end before ``T`` (days = T − end);
- ``milestone_missed``: no actual end and ``M`` before ``T`` (days = T − M), or actual end
  later than ``M`` (days = actual end − M).

An entry marked 対象外 (not applicable) is never late. A flag is *significant* (要フォローアップ)
when it is a missed milestone, or a start/end overdue of at least the programme's threshold.

An approved exception (a ministry approved a later date ``A`` for the organisation's task,
or for one target system of a per-system task) does not hide the flags — national figures
stay honest — but marks every lateness rule of the entry *approved* while ``A`` holds:

- ``plan_after``: planned end within ``A``;
- ``start_overdue`` and ``end_overdue``: today not after ``A`` (the organisation has until
  ``A``; from the day after, the overdue is unexplained again);
- ``milestone_missed``: today not after ``A`` while the task is unfinished, actual end within
  ``A`` once it is finished.

``no_plan`` is never approved: a later date does not replace entering the plan. Approved
flags are reported apart, are never significant and never make an organisation
significantly late.

Flags whose days grow with ``T`` carry ``since`` (the day the count starts from), so the
stored judgement only changes on the dates :func:`next_look` returns, not every day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext_noop

NO_PLAN = "no_plan"
PLAN_AFTER_MILESTONE = "plan_after"
START_OVERDUE = "start_overdue"
END_OVERDUE = "end_overdue"
MILESTONE_MISSED = "milestone_missed"
RULES = (NO_PLAN, PLAN_AFTER_MILESTONE, START_OVERDUE, END_OVERDUE, MILESTONE_MISSED)
# The rules' names, written once: translated where people read them (review.models.Rule),
# as written in the open data's column names (review.open_data, Japanese by standard).
RULE_LABELS = {
    NO_PLAN: gettext_noop("計画未入力"),
    PLAN_AFTER_MILESTONE: gettext_noop("計画がマイルストーン超過"),
    START_OVERDUE: gettext_noop("開始遅延"),
    END_OVERDUE: gettext_noop("終了遅延"),
    MILESTONE_MISSED: gettext_noop("マイルストーン未達"),
}
NOT_APPLICABLE = "not_applicable"
DEFAULT_THRESHOLD = 30
# Rules an approved later date explains: every lateness of the task (not a missing plan).
APPROVABLE = frozenset({PLAN_AFTER_MILESTONE, START_OVERDUE, END_OVERDUE, MILESTONE_MISSED})


class Values(Protocol):
    """What the rules read of an entry (actionplan.rules.EntryValues, a PlanEntry, a
    historical record: anything with these attributes)."""

    @property
    def planned_start(self) -> dt.date | None: ...
    @property
    def planned_end(self) -> dt.date | None: ...
    @property
    def actual_start(self) -> dt.date | None: ...
    @property
    def actual_end(self) -> dt.date | None: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class Flag:
    rule: str
    days_late: int
    # The day the count runs from when it grows with today (None: fixed by the dates).
    since: dt.date | None = None
    significant: bool = False
    approved: bool = False

    def days_on(self, today: dt.date) -> int:
        """Days late on ``today`` (grows for overdue flags, fixed for the others)."""
        return (today - self.since).days if self.since else self.days_late

    @property
    def key(self) -> tuple[str, bool, bool]:
        """What a stored flag must match; days that grow with today are not part of it."""
        return (self.rule, self.significant, self.approved)


def approved_for(
    approved: dict, organization_id: int, task_id: int, system_id: int | None
) -> dt.date | None:
    """The later date that covers one entry, from ``approved`` keyed (organisation, task,
    system or None): its system's approval, else the one for the whole task."""
    if system_id is not None and (found := approved.get((organization_id, task_id, system_id))):
        return found
    return approved.get((organization_id, task_id, None))


def judge(
    entry_values: Values,
    milestone: dt.date | None,
    today: dt.date,
    plan_deadline: dt.date | None,
    threshold: int = DEFAULT_THRESHOLD,
    approved_until: dt.date | None = None,
) -> list[Flag]:
    """The flags that hold for one entry on ``today``, in :data:`RULES` order.

    ``milestone`` is the applicable milestone (``actionplan.rules.choose_milestone``),
    ``plan_deadline`` the programme's plan-entry deadline, ``threshold`` the programme's
    significant-delay days, ``approved_until`` the later date a ministry approved (if any).
    """
    v = entry_values
    if v.status == NOT_APPLICABLE:
        return []
    flags: list[Flag] = []

    # An approved later date still running covers the flags that grow with today.
    running = approved_until is not None and today <= approved_until

    def growing(rule: str, since: dt.date) -> None:
        days = (today - since).days
        significant = (rule == MILESTONE_MISSED or days >= threshold) and not running
        flags.append(Flag(rule, days, since, significant, running))

    missing = v.planned_start is None or v.planned_end is None
    if plan_deadline and missing and today > plan_deadline:
        flags.append(Flag(NO_PLAN, (today - plan_deadline).days, plan_deadline))
    if milestone and v.planned_end and v.planned_end > milestone:
        approved = approved_until is not None and v.planned_end <= approved_until
        flags.append(
            Flag(PLAN_AFTER_MILESTONE, (v.planned_end - milestone).days, None, False, approved)
        )
    if v.actual_start is None and v.planned_start and v.planned_start < today:
        growing(START_OVERDUE, v.planned_start)
    if v.actual_end is None and v.planned_end and v.planned_end < today:
        growing(END_OVERDUE, v.planned_end)
    if milestone:
        if v.actual_end is None and milestone < today:
            growing(MILESTONE_MISSED, milestone)
        elif v.actual_end is not None and v.actual_end > milestone:
            approved = approved_until is not None and v.actual_end <= approved_until
            flags.append(
                Flag(
                    MILESTONE_MISSED, (v.actual_end - milestone).days, None, not approved, approved
                )
            )
    return flags


def needs_follow_up(significant: bool, approved: bool) -> bool:
    """要フォローアップ: late long enough to count (a missed milestone, or overdue at least the
    threshold) and not covered by an approval. In SQL: ``review.models.NEEDS_FOLLOW_UP``."""
    return significant and not approved


def significantly_late(flags: list[Flag]) -> bool:
    """Whether any of an entry's flags :func:`needs_follow_up`."""
    return any(needs_follow_up(flag.significant, flag.approved) for flag in flags)


def signature(flags: list[Flag]) -> frozenset[tuple[str, bool, bool]]:
    return frozenset(flag.key for flag in flags)


def next_look(
    entry_values: Values,
    milestone: dt.date | None,
    today: dt.date,
    plan_deadline: dt.date | None,
    threshold: int = DEFAULT_THRESHOLD,
    approved_until: dt.date | None = None,
    now: frozenset[tuple[str, bool, bool]] | None = None,
) -> dt.date | None:
    """The first day after ``today`` on which :func:`judge` gives a different
    :func:`signature` (a flag appears, resolves, turns significant or loses its approval),
    or None when only an edit of the entry can change it. Growing day counts are not a
    change: they are computed from ``since`` when shown.

    The judgement compares today with a handful of dates, so it can only change the day
    after one of them, or ``threshold`` days after one of them: :func:`change_days` lists
    the ones that can change this entry's judgement, and we try those in order. ``now`` is
    the signature on ``today`` when the caller has already judged it.
    """
    if entry_values.status == NOT_APPLICABLE:
        return None  # never judged late, whatever the day

    def on(day: dt.date) -> frozenset[tuple[str, bool, bool]]:
        return signature(
            judge(entry_values, milestone, day, plan_deadline, threshold, approved_until)
        )

    if now is None:
        now = on(today)
    for day in change_days(
        entry_values, milestone, today, plan_deadline, threshold, approved_until
    ):
        if on(day) != now:
            return day
    return None


def change_days(
    entry_values: Values,
    milestone: dt.date | None,
    today: dt.date,
    plan_deadline: dt.date | None,
    threshold: int = DEFAULT_THRESHOLD,
    approved_until: dt.date | None = None,
) -> list[dt.date]:
    """The days after ``today``, in order, on which :func:`judge` can give a different
    :func:`signature` for this entry (a superset of the days it does): each condition of
    :func:`judge` that compares today with a date, where the entry's own values let it
    matter. A missing plan past the deadline (``deadline + 1``); an overdue start or end
    (``planned + 1``, and ``planned + threshold`` when it turns significant) only without
    its actual date; a missed milestone (``M + 1``) only while unfinished; the end of an
    approval (``A + 1``) only where a flag grows with today. Fixed flags (a plan after the
    milestone, a finished task's late end) never change with today."""
    v = entry_values
    one = dt.timedelta(days=1)
    days: set[dt.date] = set()
    growing = False
    if plan_deadline and (v.planned_start is None or v.planned_end is None):
        days.add(plan_deadline + one)
    if v.actual_start is None and v.planned_start:
        days.add(v.planned_start + one)
        days.add(v.planned_start + dt.timedelta(days=threshold))
        growing = True
    if v.actual_end is None:
        if v.planned_end:
            days.add(v.planned_end + one)
            days.add(v.planned_end + dt.timedelta(days=threshold))
            growing = True
        if milestone:
            days.add(milestone + one)
            growing = True
    if approved_until and growing:
        days.add(approved_until + one)
    return sorted(day for day in days if day > today)
