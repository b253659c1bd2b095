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
