"""Two people save the same entry at the same moment, each on their own connection."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from actionplan import publishing, rules, seed, services
from actionplan.models import PlanEntry, Programme

D = dt.date


@pytest.mark.django_db(transaction=True)
def test_second_of_two_concurrent_edits_is_refused(sapporo, alice, carol, monkeypatch):
    if connection.vendor == "sqlite":
        # SQLite's shared in-memory test database answers a second writer with "table is
        # locked" instead of waiting; the row lock this test is about needs Postgres.
        pytest.skip("run with DATABASE_URL=postgres://… (the CI database)")
    seed.load()
    publishing.ensure_entries(sapporo, Programme.objects.get(name=seed.NAME))
    target = PlanEntry.objects.get(organization=sapporo, task__name="住民票記載事項の追加")
    # Both have read version 1 and passed the rules before either claims the row.
    both_checked = threading.Barrier(2, timeout=10)
    validate = rules.validate

    def validate_then_wait(values, context):
        errors = validate(values, context)
        both_checked.wait()
        return errors

    monkeypatch.setattr(rules, "validate", validate_then_wait)
    outcomes: dict[str, object] = {}

    def save(user, data):
        try:
            outcomes[user.email] = services.save_entry(user, target.pk, data, 1, on=D(2015, 8, 1))
        except Exception as exc:
            outcomes[user.email] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(alice, {"planned_end": D(2015, 9, 30)})),
        threading.Thread(target=save, args=(carol, {"remarks": "キャロルの備考"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    refused = [o for o in outcomes.values() if isinstance(o, services.ConflictError)]
    saved = [o for o in outcomes.values() if isinstance(o, services.SaveResult)]
    assert len(refused) == 1 and len(saved) == 1, outcomes
    target.refresh_from_db()
    assert target.version == 2
    winner = saved[0].entry
    assert (target.planned_end, target.remarks) == (winner.planned_end, winner.remarks)
    # The refusal says what the winner changed; nothing of the loser was written.
    assert refused[0].changes and refused[0].changed_by == target.updated_by.display_name
    assert target.history.count() == 2
