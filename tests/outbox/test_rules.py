from __future__ import annotations

import datetime as dt

import pytest

from outbox import rules

MIN = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [
        (0, dt.timedelta(0)),
        (1, MIN),
        (2, 2 * MIN),
        (3, 4 * MIN),
        (9, 256 * MIN),
        (10, dt.timedelta(hours=6)),
        (1000, dt.timedelta(hours=6)),
    ],
)
def test_retry_delay_doubles_up_to_six_hours(attempts, delay):
    assert rules.retry_delay(attempts) == delay


@pytest.mark.parametrize(("attempts", "gives_up"), [(1, False), (9, False), (10, True), (11, True)])
def test_gives_up_after_the_last_try(attempts, gives_up):
    assert rules.gives_up(attempts) is gives_up


def test_the_last_try_is_hours_after_the_first():
    total = sum((rules.retry_delay(n) for n in range(1, rules.MAX_ATTEMPTS)), dt.timedelta())
    assert dt.timedelta(hours=8) < total < dt.timedelta(hours=9)
