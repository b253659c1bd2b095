"""Two job runs at the same time (real threads, real row locks: Postgres only)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from actionplan import seed
from actionplan import services as plan_services
from actionplan.models import PlanEntry, Programme
from review import notifications, services
from review.models import NotificationEvent
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
    plan_services.ensure_entries(sapporo, Programme.objects.get(name=seed.NAME))
    PlanEntry.objects.update(planned_start=D(2015, 4, 1), planned_end=D(2015, 5, 31))
    services.entries_changed(PlanEntry.objects.values_list("pk", flat=True), D(2015, 10, 1))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            services.scan(D(2015, 10, 1), send=False)
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
