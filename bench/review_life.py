"""A programme's life at realistic dates for the review benchmark: published on 2015/01/05,
plans and progress saved through the product's bulk save path on five dates (the clock moved
there), and the nightly job measured on three days milestones pass.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bench import spread
from bench.review_support import (
    say,
    settle,
    sql_time,
    timing_digests,
)

TZ_HOUR = dt.time(10, 0)


PUBLISHED_ON = dt.date(2015, 1, 5)


# Save rounds: on each date every entry whose known values changed since the last round is
# saved through the product's bulk save path (the sheet import's), with the clock there, so
# its history row carries that date. The first is the plan entry (before the deadline).
ROUNDS = (
    dt.date(2015, 3, 20),
    dt.date(2015, 6, 30),
    dt.date(2015, 9, 25),
    dt.date(2015, 10, 28),
    dt.date(2015, 11, 26),
)


# The nights measured: each the day after milestones pass (thousands of entries due), after a
# catch-up night for the days since the last save round.
NIGHTS = (dt.date(2015, 10, 1), dt.date(2015, 10, 31), dt.date(2015, 12, 1))


TODAY = NIGHTS[-1]  # the mid-programme "today" every page is measured on


AS_OF = dt.date(2015, 6, 30)  # the meeting report as of a past date


def clock_on(day: dt.date):
    """The clock on ``day`` (10:00 Asia/Tokyo), ticking (perf_counter is not affected)."""
    import time_machine

    moment = timezone.make_aware(dt.datetime.combine(day, TZ_HOUR))
    return time_machine.travel(moment, tick=True)


@dataclass
class Course:
    """One entry's life: its plan (entered on ``planned_on``, or never) and what happens."""

    planned_on: dt.date | None
    planned_start: dt.date
    planned_end: dt.date
    actual_start: dt.date | None
    actual_end: dt.date | None
    not_applicable: bool


def course_of(programme, milestone: dt.date | None, rng: random.Random) -> Course:
    end = milestone or programme.ends_on
    end = end - dt.timedelta(days=rng.randrange(-20, 60))  # a few plan past the milestone
    end = min(max(end, programme.starts_on + dt.timedelta(days=60)), programme.ends_on)
    start = max(programme.starts_on, end - dt.timedelta(days=rng.randrange(30, 180)))
    planned_on = rng.choices([ROUNDS[0], ROUNDS[1], None], [85, 10, 5])[0]
    late = rng.choices([0, 10, 45, 120], [55, 20, 15, 10])[0]
    actual_start = start + dt.timedelta(days=rng.randrange(0, 10) + late // 2)
    actual_end = end + dt.timedelta(days=rng.randrange(-10, 10) + late)
    if rng.random() < 0.1:  # stalled: started (perhaps), never finished within the programme
        actual_end = None
    return Course(planned_on, start, end, actual_start, actual_end, rng.random() < 0.03)


def known_values(course: Course, on: dt.date, questions) -> dict:
    """The entry's values as its organisation reports them on ``on``."""
    if course.planned_on is None or course.planned_on > on:
        return {}
    data = {"planned_start": course.planned_start, "planned_end": course.planned_end}
    if course.not_applicable:
        return {**data, "status": "not_applicable", "not_applicable_reason": "該当なし"}
    if course.actual_start is None or course.actual_start > on:
        return data
    data.update(actual_start=course.actual_start, status="in_progress", progress=50)
    if course.actual_end is not None and course.actual_end <= on:
        answers = {q.key: answer_for(q, course.actual_end) for q in questions if q.required}
        data.update(actual_end=course.actual_end, status="done", progress=100, completion=answers)
    return data


def answer_for(question, day: dt.date) -> str:
    return {"date": day.isoformat(), "number": "1", "yes_no": "yes"}.get(
        question.kind, (question.choices or ("",))[0]
    )


def courses_for(programme, ids: list[int], rng: random.Random) -> dict[int, Course]:
    from actionplan.models import Milestone, PlanEntry

    milestone: dict[int, dt.date] = {}
    for task_id, due_on in Milestone.objects.filter(
        task__work_item__programme=programme
    ).values_list("task_id", "due_on"):
        milestone[task_id] = min(due_on, milestone.get(task_id, due_on))
    tasks = dict(PlanEntry.objects.filter(pk__in=ids).values_list("pk", "task_id"))
    return {pk: course_of(programme, milestone.get(tasks[pk]), rng) for pk in sorted(ids)}


def save_round(programme, courses: dict[int, Course], on: dt.date) -> int:
    """Every entry whose reported values changed by ``on`` saved with ``services.save_entries``
    (clock on ``on``), in chunks of 10,000. Returns how many were saved."""
    from actionplan import services as plan_services
    from actionplan.models import PlanEntry, Task

    tasks = {
        task.pk: task
        for task in Task.objects.filter(work_item__programme=programme)
        .select_related("work_item__programme")
        .prefetch_related("completion_items")
    }
    questions = {pk: plan_services.questions_for(task) for pk, task in tasks.items()}
    saved = 0
    ids = list(courses)
    with clock_on(on):
        for start in range(0, len(ids), 10000):
            changes = []
            for entry in PlanEntry.objects.filter(pk__in=ids[start : start + 10000]):
                entry.task = tasks[entry.task_id]
                data = known_values(courses[entry.pk], on, questions[entry.task_id])
                values = plan_services.values_of(entry, data)
                if any(getattr(entry, n) != getattr(values, n) for n in data):
                    changes.append((entry, data, entry.version))
            with transaction.atomic():
                saved += len(plan_services.save_entries(None, changes, on=on))
    return saved


def programme_life(programme, ids: list[int], rng: random.Random, prefix: str) -> dict[str, float]:
    """The programme's life up to :data:`TODAY` for these (just published) entries: the save
    rounds, and before each measured night a catch-up night (unmeasured). The nights of
    :data:`NIGHTS` are the nightly job (judging and digests) as it runs on those days."""
    from review import judging
    from review.models import DelayFlag

    courses = courses_for(programme, ids, rng)
    figures: dict[str, float] = {}
    nights: list[float] = []
    digests: list[float] = []
    rounds = list(ROUNDS)
    for night in NIGHTS:
        while rounds and rounds[0] < night:
            day = rounds.pop(0)
            start = time.perf_counter()
            saved = save_round(programme, courses, day)
            say(f"{prefix}: {day} saved {saved} in {time.perf_counter() - start:.0f} s")
            figures[f"{prefix}.saved_{day:%m%d}"] = saved
        with clock_on(night - dt.timedelta(days=1)):
            judging.scan(night - dt.timedelta(days=1), send=False)
        settle()
        with clock_on(night):
            due = judging.due_entries(night).count()
            notified = DelayFlag.objects.filter(notified_on=night).count()  # other sets'
            start = time.perf_counter()
            with timing_digests(digests), sql_time(f"{prefix}.night_{night:%m%d}"):
                result = judging.scan(night, send=False)
            nights.append((time.perf_counter() - start) * 1000)
        name = f"{prefix}.night_{night:%m%d}"
        figures.update(
            {
                f"{name}.due": due,
                f"{name}.judged": result.judged,
                f"{name}.raised": result.raised,
                f"{name}.resolved": result.resolved,
                f"{name}.digests": result.queued,
                f"{name}.notified": DelayFlag.objects.filter(notified_on=night).count() - notified,
            }
        )
        if not (result.raised or result.resolved):
            from bench import fail

            fail(f"{name}: {due} entries due and no flag changed (dates not realistic)")
    figures.update(spread(f"{prefix}.nightly_realistic_ms", nights, 1))
    figures.update(spread(f"{prefix}.nightly_realistic_digest_ms", digests, 1))
    return figures
