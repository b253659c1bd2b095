"""Table tests of the delay rules at every boundary: the day before, on and after each date."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from actionplan.rules import EntryValues
from review import rules
from review.rules import (
    END_OVERDUE,
    MILESTONE_MISSED,
    NO_PLAN,
    PLAN_AFTER_MILESTONE,
    START_OVERDUE,
    Flag,
    judge,
    next_look,
    significantly_late,
)

D = dt.date
DEADLINE = D(2015, 4, 30)
M = D(2015, 9, 30)
START, END = D(2015, 6, 1), D(2015, 8, 31)
PLANNED = EntryValues(planned_start=START, planned_end=END)
STARTED = EntryValues(
    planned_start=START, planned_end=END, actual_start=START, status="in_progress"
)
DONE_ON_TIME = EntryValues(
    planned_start=START, planned_end=END, actual_start=START, actual_end=END, status="done"
)


def day(base: dt.date, offset: int) -> dt.date:
    return base + dt.timedelta(days=offset)


def rules_of(flags: list[Flag]) -> dict[str, int]:
    return {flag.rule: flag.days_late for flag in flags}


@pytest.mark.parametrize(
    ("values", "today", "expected"),
    [
        # no plan: after the plan-entry deadline only
        (EntryValues(), day(DEADLINE, -1), {}),
        (EntryValues(), DEADLINE, {}),
        (EntryValues(), day(DEADLINE, 1), {NO_PLAN: 1}),
        (EntryValues(planned_start=START), day(DEADLINE, 1), {NO_PLAN: 1}),
        (EntryValues(planned_end=END), day(DEADLINE, 1), {NO_PLAN: 1}),
        (PLANNED, day(DEADLINE, 1), {}),
        # start overdue: planned start before today, no actual start
        (PLANNED, day(START, -1), {}),
        (PLANNED, START, {}),
        (PLANNED, day(START, 1), {START_OVERDUE: 1}),
        (STARTED, day(START, 1), {}),
        # end overdue: planned end before today, no actual end
        (STARTED, day(END, -1), {}),
        (STARTED, END, {}),
        (STARTED, day(END, 1), {END_OVERDUE: 1}),
        (DONE_ON_TIME, day(END, 1), {}),
        # milestone missed: milestone before today, no actual end
        (STARTED, day(M, -1), {END_OVERDUE: 29}),
        (STARTED, M, {END_OVERDUE: 30}),
        (STARTED, day(M, 1), {END_OVERDUE: 31, MILESTONE_MISSED: 1}),
        (DONE_ON_TIME, day(M, 1), {}),
        # not applicable is never late
        (EntryValues(status="not_applicable"), day(M, 400), {}),
    ],
)
def test_rules_at_their_boundaries(values, today, expected):
    assert rules_of(judge(values, M, today, DEADLINE, 30)) == expected


@pytest.mark.parametrize(
    ("planned_end", "expected"),
    [(day(M, -1), {}), (M, {}), (day(M, 1), {PLAN_AFTER_MILESTONE: 1})],
)
def test_plan_after_milestone_is_measured_from_the_dates(planned_end, expected):
    values = EntryValues(planned_start=START, planned_end=planned_end, actual_start=START)
    assert rules_of(judge(values, M, START, DEADLINE, 30)) == expected


@pytest.mark.parametrize(
    ("actual_end", "expected"),
    [(day(M, -1), {}), (M, {}), (day(M, 1), {MILESTONE_MISSED: 1})],
)
def test_a_late_actual_end_misses_the_milestone_for_good(actual_end, expected):
    values = EntryValues(
        planned_start=START, planned_end=M, actual_start=START, actual_end=actual_end
    )
    # Long after the fact the number of days stays what it was (end − M).
    assert rules_of(judge(values, M, day(M, 500), DEADLINE, 30)) == expected


@pytest.mark.parametrize(("offset", "significant"), [(29, False), (30, True), (31, True)])
def test_overdue_turns_significant_at_the_threshold(offset, significant):
    flags = judge(STARTED, day(END, 100), day(END, offset), DEADLINE, 30)
    assert rules_of(flags) == {END_OVERDUE: offset}
    assert significantly_late(flags) is significant


def test_threshold_is_data():
    flags = judge(STARTED, day(END, 100), day(END, 10), DEADLINE, 10)
    assert significantly_late(flags)
    assert not significantly_late(judge(STARTED, day(END, 100), day(END, 10), DEADLINE, 11))


def test_missed_milestone_is_significant_from_the_first_day():
    flags = judge(STARTED, M, day(M, 1), DEADLINE, 30)
    assert significantly_late(flags)


def test_no_plan_alone_is_not_significant():
    assert not significantly_late(judge(EntryValues(), M, day(DEADLINE, 100), DEADLINE, 30))


A = D(2016, 3, 31)  # the approved later date of the tests below
NOT_STARTED_LATE = EntryValues(planned_start=START, planned_end=END)  # nothing actual
FINISHED_LATE = EntryValues(
    planned_start=START,
    planned_end=END,
    actual_start=START,
    actual_end=D(2016, 1, 15),
    status="done",
)
FINISHED_AFTER_A = EntryValues(
    planned_start=START,
    planned_end=END,
    actual_start=START,
    actual_end=day(A, 1),
    status="done",
)
PLAN_AFTER = EntryValues(planned_start=START, planned_end=D(2016, 2, 1))


@pytest.mark.parametrize(
    ("values", "today", "expected"),
    [
        # Nothing started, every date passed: start, end and milestone all approved up to A.
        (
            NOT_STARTED_LATE,
            day(M, 1),
            {START_OVERDUE: True, END_OVERDUE: True, MILESTONE_MISSED: True},
        ),
        (NOT_STARTED_LATE, A, {START_OVERDUE: True, END_OVERDUE: True, MILESTONE_MISSED: True}),
        (
            NOT_STARTED_LATE,
            day(A, 1),
            {START_OVERDUE: False, END_OVERDUE: False, MILESTONE_MISSED: False},
        ),
        # Started, not finished: the end overdue and the milestone, up to A.
        (STARTED, day(END, 20), {END_OVERDUE: True}),
        (STARTED, A, {END_OVERDUE: True, MILESTONE_MISSED: True}),
        (STARTED, day(A, 1), {END_OVERDUE: False, MILESTONE_MISSED: False}),
        # Finished after the milestone: approved when the actual end is within A, whenever.
        (FINISHED_LATE, D(2017, 1, 1), {MILESTONE_MISSED: True}),
        (FINISHED_AFTER_A, D(2017, 1, 1), {MILESTONE_MISSED: False}),
        # A plan ending after the milestone but within A, judged before anything is due.
        (PLAN_AFTER, day(START, -1), {PLAN_AFTER_MILESTONE: True}),
        # A missing plan is never explained by a later date.
        (EntryValues(), day(DEADLINE, 1), {NO_PLAN: False}),
    ],
)
def test_an_approved_later_date_covers_every_lateness_of_the_task(values, today, expected):
    flags = judge(values, M, today, DEADLINE, 30, approved_until=A)
    assert {flag.rule: flag.approved for flag in flags} == expected
    # Approved flags are never significant; unexplained ones keep their usual significance.
    for flag in flags:
        if flag.approved:
            assert not flag.significant
    assert significantly_late(flags) is (not all(expected.values()) and NO_PLAN not in expected)


def test_without_an_approval_nothing_is_approved():
    flags = judge(NOT_STARTED_LATE, M, day(M, 1), DEADLINE, 30)
    assert {flag.rule for flag in flags} == {START_OVERDUE, END_OVERDUE, MILESTONE_MISSED}
    assert not any(flag.approved for flag in flags)
    assert significantly_late(flags)


@pytest.mark.parametrize(
    ("planned_end", "approved"),
    [(D(2016, 3, 30), True), (D(2016, 3, 31), True), (D(2016, 4, 1), False)],
)
def test_approved_date_covers_a_plan_after_the_milestone(planned_end, approved):
    values = EntryValues(planned_start=START, planned_end=planned_end)
    flags = judge(values, M, START, DEADLINE, 30, approved_until=D(2016, 3, 31))
    assert [flag.approved for flag in flags if flag.rule == PLAN_AFTER_MILESTONE] == [approved]


def test_growing_days_are_counted_from_since():
    flag = next(f for f in judge(STARTED, M, day(END, 3), DEADLINE, 30) if f.rule == END_OVERDUE)
    assert flag.since == END
    assert flag.days_on(day(END, 40)) == 40


@pytest.mark.parametrize(
    ("values", "today", "expected"),
    [
        (EntryValues(), D(2015, 1, 1), day(DEADLINE, 1)),
        (PLANNED, day(DEADLINE, 1), day(START, 1)),
        (PLANNED, day(START, 1), day(START, 30)),  # start overdue turns significant
        (STARTED, day(START, 1), day(END, 1)),
        (STARTED, day(END, 1), day(END, 30)),
        (STARTED, day(END, 30), day(M, 1)),
        (STARTED, day(M, 1), None),  # only an edit changes it now
        (DONE_ON_TIME, day(END, 1), None),
        (EntryValues(status="not_applicable"), START, None),
    ],
)
def test_next_look_is_the_next_day_the_judgement_changes(values, today, expected):
    assert next_look(values, M, today, DEADLINE, 30) == expected


def test_next_look_finds_every_change_in_a_sweep():
    """Walking day by day, the judgement never changes between two looks."""
    samples = [EntryValues(), PLANNED, STARTED, DONE_ON_TIME, EntryValues(planned_start=START)]
    for values, approved in itertools.product(samples, (None, D(2015, 12, 31))):
        today = D(2015, 1, 1)
        look = next_look(values, M, today, DEADLINE, 30, approved)
        current = rules.signature(judge(values, M, today, DEADLINE, 30, approved))
        while today < D(2016, 6, 1):
            today += dt.timedelta(days=1)
            now = rules.signature(judge(values, M, today, DEADLINE, 30, approved))
            if look is None or today < look:
                assert now == current, (values, today)
            else:
                assert today == look
                current = now
                look = next_look(values, M, today, DEADLINE, 30, approved)


def _next_look_brute(values, milestone, today, deadline, threshold, approved):
    """The former :func:`next_look`: every anchor + 1 and + threshold, judged in order."""
    anchors = [d for d in (deadline, values.planned_start, values.planned_end, milestone) if d]
    candidates = {d + dt.timedelta(days=1) for d in anchors}
    candidates |= {d + dt.timedelta(days=threshold) for d in anchors}
    if approved:
        candidates.add(approved + dt.timedelta(days=1))

    def on(when):
        return rules.signature(judge(values, milestone, when, deadline, threshold, approved))

    now = on(today)
    for when in sorted(d for d in candidates if d > today):
        if on(when) != now:
            return when
    return None


def _random_entries(rng, count):
    base = D(2015, 1, 1)

    def some_day():
        return None if rng.random() < 0.25 else day(base, rng.randrange(0, 720))

    statuses = ("not_started", "in_progress", "done", "not_applicable")
    for _ in range(count):
        yield (
            EntryValues(
                planned_start=some_day(),
                planned_end=some_day(),
                actual_start=some_day(),
                actual_end=some_day(),
                status=rng.choice(statuses),
            ),
            some_day(),  # milestone
            day(base, rng.randrange(-10, 740)),  # today
            some_day(),  # plan deadline
            rng.choice((0, 1, 7, 30, 90)),  # threshold
            None if rng.random() < 0.5 else some_day(),  # approved until
        )


def test_next_look_equals_the_brute_force_search_on_generated_entries():
    """The pruned candidates (:func:`rules.change_days`) give the very day the former search
    over every anchor gave, for 20,000 random entries (dates in any order, missing ones, any
    status, thresholds from 0, approvals before and after), with and without ``now``."""
    import random

    rng = random.Random(17)
    for args in _random_entries(rng, 20_000):
        expected = _next_look_brute(*args)
        assert next_look(*args) == expected, args
        now = rules.signature(judge(*args))
        assert next_look(*args, now=now) == expected, args


def test_change_days_hold_every_day_the_judgement_changes():
    """Walking day by day over random entries: every change of the signature falls on one of
    :func:`rules.change_days` of the day before."""
    import random

    rng = random.Random(4)
    for values, milestone, today, deadline, threshold, approved in _random_entries(rng, 300):
        days = set(rules.change_days(values, milestone, today, deadline, threshold, approved))
        before = rules.signature(judge(values, milestone, today, deadline, threshold, approved))
        for offset in range(1, 400):
            when = day(today, offset)
            now = rules.signature(judge(values, milestone, when, deadline, threshold, approved))
            if now != before:
                assert when in days, (values, milestone, today, deadline, threshold, approved)
                break


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        (None, D(2016, 3, 31)),  # a task of one entry: the task's approval
        (7, D(2017, 3, 31)),  # the system named by an approval: that one
        (8, D(2016, 3, 31)),  # another system of the task: the approval of them all
    ],
)
def test_approved_for_takes_the_systems_approval_else_the_tasks(system, expected):
    approved = {(1, 2, None): D(2016, 3, 31), (1, 2, 7): D(2017, 3, 31), (1, 3, 7): D(2018, 3, 31)}
    assert rules.approved_for(approved, 1, 2, system) == expected
    assert rules.approved_for(approved, 9, 2, system) is None  # another organisation's


def test_approved_for_is_none_without_an_approval_for_the_task():
    assert rules.approved_for({(1, 3, 7): D(2018, 3, 31)}, 1, 2, 7) is None
    assert rules.approved_for({(1, 3, 7): D(2018, 3, 31)}, 1, 3, None) is None
