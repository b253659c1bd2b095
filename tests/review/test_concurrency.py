"""Two job runs at the same time (real threads, real row locks: Postgres only)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from actionplan import publishing, seed
from actionplan.models import PlanEntry, Programme
from review import judging, notifications
from review.models import NotificationEvent
from tests.review import oracle
from tests.review.conftest import D

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need Postgres (DATABASE_URL)"
)


def test_two_concurrent_runs_send_each_digest_once(transactional_db, mailoutbox, settings):
    from accounts.roles import Role
    from orgs.models import MunicipalityClass
    from tests.factories import MunicipalityFactory, PrefectureFactory, UserFactory

    settings.CELERY_TASK_ALWAYS_EAGER = True
    hokkaido = PrefectureFactory(code="010006", name="北海道")
    sapporo = MunicipalityFactory(
        code="011002",
        name="札幌市",
        prefecture=hokkaido,
        municipality_class=MunicipalityClass.DESIGNATED,
    )
    UserFactory(organization=sapporo)
    UserFactory(organization=hokkaido, role=Role.PREFECTURE_ADMIN)
    seed.load()
    publishing.ensure_entries(sapporo, Programme.objects.get(name=seed.NAME))
    PlanEntry.objects.update(planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31))
    judging.entries_changed(PlanEntry.objects.values_list("pk", flat=True), D(2015, 10, 1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            judging.scan(D(2015, 10, 1), send=False)
            barrier.wait()
            notifications.deliver(notifications.pending_ids())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert NotificationEvent.objects.count() == 2
    assert len(mailoutbox) == 2
    assert len({tuple(mail.to) for mail in mailoutbox}) == 2


def test_a_retirement_during_the_nightly_scan_waits_for_its_batch(transactional_db, monkeypatch):
    """The scan has read a batch (the system not yet retired) when the organisation retires
    the system: the retirement waits for the batch's row locks, then takes the entries out,
    and the rollup still equals a full scan (without the lock the batch would raise their
    flags again after the retirement had resolved them)."""
    import time

    from actionplan import systems
    from orgs.models import MunicipalityClass
    from review import rollups
    from review.models import DelayFlag
    from tests.factories import (
        MunicipalityFactory,
        OrganizationSystemFactory,
        PrefectureFactory,
        UserFactory,
    )

    hokkaido = PrefectureFactory(code="010006", name="北海道")
    sapporo = MunicipalityFactory(
        code="011002",
        name="札幌市",
        prefecture=hokkaido,
        municipality_class=MunicipalityClass.DESIGNATED,
    )
    alice = UserFactory(organization=sapporo)
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    link = OrganizationSystemFactory(organization=sapporo)
    publishing.publish(programme)
    on = judging.today()
    PlanEntry.objects.update(next_check_on=None)  # all of them due tonight
    loaded, release = threading.Event(), threading.Event()
    inputs_for = judging.inputs_for

    def inputs_then_wait(entries, organizations=None):
        found = inputs_for(entries, organizations)
        if not loaded.is_set():
            loaded.set()
            release.wait(10)
        return found

    monkeypatch.setattr(judging, "inputs_for", inputs_then_wait)
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            judging.scan(on, send=False)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def retire() -> None:
        try:
            systems.retire(alice, link)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    scanning = threading.Thread(target=scan)
    scanning.start()
    assert loaded.wait(10)
    retiring = threading.Thread(target=retire)
    retiring.start()
    time.sleep(0.5)
    assert retiring.is_alive()  # waiting for the batch's locks
    release.set()
    scanning.join(20)
    retiring.join(20)
    assert errors == []
    retired = PlanEntry.objects.filter(system=link.system)
    assert retired.count() == 3 and not retired.filter(retired_on=None).exists()
    assert not DelayFlag.objects.filter(entry__in=retired, resolved_at=None).exists()
    assert rollups.stored_cells(programme) == oracle.full_scan(programme, on)


def test_nightly_batches_commit_without_waiting_for_the_disk_and_saves_do(transactional_db):
    """The nightly job's batches (recomputable) commit asynchronously; judging inside a
    caller's transaction (a save, an import, publishing) leaves its commit durable."""
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MunicipalityFactory, PrefectureFactory

    hokkaido = PrefectureFactory(code="010006", name="北海道")
    sapporo = MunicipalityFactory(code="011002", name="札幌市", prefecture=hokkaido)
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    asynchronous = "SET LOCAL synchronous_commit TO OFF"
    with CaptureQueriesContext(connection) as publishing_queries:
        publishing.ensure_entries(sapporo, programme)
    assert asynchronous not in [q["sql"] for q in publishing_queries.captured_queries]
    ids = list(PlanEntry.objects.values_list("pk", flat=True))
    PlanEntry.objects.update(next_check_on=None)
    with CaptureQueriesContext(connection) as nightly:
        result = judging.scan(D(2015, 10, 1), send=False)
    assert result.judged == len(ids) and result.resolved  # judged today first, now 2015
    sql = [q["sql"] for q in nightly.captured_queries]
    batches = -(-len(ids) // judging.BATCH)
    assert sql.count(asynchronous) == batches
    with connection.cursor() as cursor:  # and it did not outlive the batch
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_the_nightly_batches_run_in_parallel_and_the_rollups_equal_a_full_scan(
    transactional_db, monkeypatch
):
    """Many small batches judged by two workers, each on its own connection: flags raised on
    one night, then most of them resolved on the next (the cells' worst days read again), and
    every rollup equals a full scan after each night, with no deadlock and no batch lost."""
    from orgs.models import MunicipalityClass
    from review import orgrollups, rollups
    from tests.factories import MunicipalityFactory, PrefectureFactory

    hokkaido = PrefectureFactory(code="010006", name="北海道")
    for code, name in (("011002", "札幌市"), ("012025", "函館市"), ("012033", "小樽市")):
        MunicipalityFactory(
            code=code, name=name, prefecture=hokkaido, municipality_class=MunicipalityClass.CITY
        )
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    publishing.publish(programme)
    entries = PlanEntry.objects.order_by("pk")
    PlanEntry.objects.update(
        planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31), next_check_on=None
    )
    monkeypatch.setattr(judging, "BATCH", 3)  # 23 batches
    threads: set[int] = set()
    judge_batch = judging._judge_batch

    def recorded(*args, **kwargs):
        threads.add(threading.get_ident())
        return judge_batch(*args, **kwargs)

    monkeypatch.setattr(judging, "_judge_batch", recorded)
    night = D(2015, 10, 1)
    raised = judging.scan(night, send=False)
    assert raised.judged == entries.count() >= 20 * judging.BATCH
    assert raised.raised and len(threads) == judging.WORKERS
    assert threading.get_ident() not in threads  # the caller's connection judged nothing
    assert rollups.stored_cells(programme) == oracle.full_scan(programme, night)
    assert orgrollups.stored(programme) == oracle.full_scan_organizations(programme, night)

    finished = [pk for n, pk in enumerate(entries.values_list("pk", flat=True)) if n % 4]
    PlanEntry.objects.filter(pk__in=finished).update(
        status="done", actual_start=D(2015, 4, 1), actual_end=D(2015, 5, 31), next_check_on=None
    )
    later = D(2015, 11, 2)
    resolved = judging.scan(later, send=False)
    assert resolved.resolved and resolved.judged >= len(finished)
    assert rollups.stored_cells(programme) == oracle.full_scan(programme, later)
    assert orgrollups.stored(programme) == oracle.full_scan_organizations(programme, later)


def test_a_failing_batch_stops_the_workers_and_reaches_the_caller(transactional_db, monkeypatch):
    """A batch that fails on a worker is raised in the nightly job's own thread (the task
    fails and is retried) and the other worker takes no new batch; what committed stays."""
    from tests.factories import MunicipalityFactory, PrefectureFactory

    hokkaido = PrefectureFactory(code="010006", name="北海道")
    MunicipalityFactory(code="011002", name="札幌市", prefecture=hokkaido)
    seed.load()
    publishing.publish(Programme.objects.get(name=seed.NAME))
    PlanEntry.objects.update(next_check_on=None)
    monkeypatch.setattr(judging, "BATCH", 2)
    batches = -(-PlanEntry.objects.count() // judging.BATCH)
    started: list[list[int]] = []
    judge_batch = judging._judge_batch

    def third_fails(ids, *args, **kwargs):
        started.append(ids)
        if len(started) == 3:
            raise RuntimeError("batch 3")
        return judge_batch(ids, *args, **kwargs)

    monkeypatch.setattr(judging, "_judge_batch", third_fails)
    with pytest.raises(RuntimeError, match="batch 3"):
        judging.scan(D(2015, 10, 1), send=False)
    assert 3 <= len(started) <= 4 < batches  # the other worker finished the batch it had
    judged = PlanEntry.objects.exclude(next_check_on=None).count()
    assert 0 < judged <= 3 * judging.BATCH
