from __future__ import annotations

import pytest

from pmo.celery import BEAT, beat_schedule


def test_every_beat_entry_names_a_registered_task():
    from pmo.celery import app

    app.loader.import_default_modules()
    for name, (task, _crontab, expires) in BEAT.items():
        assert task in app.tasks, name
        assert expires > 0


def test_environment_overrides_a_schedule():
    name = next(iter(BEAT))
    schedule = beat_schedule({f"BEAT_{name.upper()}": "15 3 * * 1"})
    assert schedule[name]["schedule"]._orig_minute == "15"
    assert schedule[name]["schedule"]._orig_hour == "3"


def test_a_malformed_override_names_the_variable():
    name = next(iter(BEAT))
    with pytest.raises(ValueError, match=f"BEAT_{name.upper()}"):
        beat_schedule({f"BEAT_{name.upper()}": "every minute"})


def test_jobs_whose_worker_died_are_expired_every_minute():
    task, crontab, expires = BEAT["expire_jobs"]
    assert (task, crontab) == ("pmo.tasks.expire_jobs", "* * * * *")
    assert expires < 60  # a missed run is dropped, not piled up behind the next one
    schedule = beat_schedule({"BEAT_EXPIRE_JOBS": "*/5 * * * *"})
    assert schedule["expire_jobs"]["schedule"]._orig_minute == "*/5"
