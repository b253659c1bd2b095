"""Publishing a programme: entries for every applicable organisation, at once and in bulk,
and for organisations, tasks and target systems added later; a page view writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplan import publishing, seed, services, systems
from actionplan.models import PlanEntry, Programme, TargetSystem
from orgs import loader
from orgs.models import OrganizationKind
from review.models import DelayFlag, EntryState, StatusRollup
from tests.factories import (
    MinistryFactory,
    MunicipalityFactory,
    OrganizationSystemFactory,
    PrefectureFactory,
    UserFactory,
    jis_code,
)

D = dt.date


@pytest.fixture
def unpublished(db) -> Programme:
    seed.load()
    return Programme.objects.get(name=seed.NAME)


def _entries(programme, **filters):
    return PlanEntry.objects.filter(task__work_item__programme=programme, **filters)


def _applicable(programme, kind: str) -> int:
    tasks = services.Task.objects.filter(work_item__programme=programme, per_system=False)
    return sum(services.rules.applies(task.applicable_kinds, kind) for task in tasks)


def test_publish_creates_every_entry_once_judged_and_counted(unpublished, sapporo, hokkaido):
    MinistryFactory()  # ministries have no plan
    hakodate = MunicipalityFactory(code="012025", name="函館市", prefecture=hokkaido)
    OrganizationSystemFactory(
        organization=hakodate, system=TargetSystem.objects.get(name="介護保険")
    )
    assert not unpublished.is_published
    with time_machine.travel(dt.datetime(2015, 5, 7, 9), tick=False):  # after the deadline
        created = publishing.publish(unpublished)
    unpublished.refresh_from_db()
    assert unpublished.is_published
    municipality = _applicable(unpublished, OrganizationKind.MUNICIPALITY)
    prefecture = _applicable(unpublished, OrganizationKind.PREFECTURE)
    g_tasks = 3  # 設計, 製造, テスト for 函館市's one system
    assert created == 2 * municipality + prefecture + g_tasks == _entries(unpublished).count()
    assert _entries(unpublished, organization=hakodate, system__name="介護保険").count() == 3
    # Each has its "created" history, its judgement (no plan: the deadline has passed) and
    # its share of the rollup.
    assert PlanEntry.history.filter(history_type="+").count() == created
    assert EntryState.objects.count() == created
    assert DelayFlag.objects.filter(rule="no_plan").count() == created
    assert sum(StatusRollup.objects.values_list("entries", flat=True)) == created

    first = unpublished.published_at
    assert publishing.publish(unpublished) == 0  # twice: nothing the second time
    unpublished.refresh_from_db()
    assert unpublished.published_at == first
    assert _entries(unpublished).count() == created
    assert PlanEntry.history.count() == created


def test_publish_queries_do_not_grow_with_organisations(unpublished, hokkaido, monkeypatch):
    """Nothing per entry or per organisation: with statements large enough for either size
    (SQLite 3.32+ takes 32,766 parameters), 4 and 44 organisations take the same queries."""
    from pmo import bulk

    monkeypatch.setattr(bulk, "max_params", lambda: 30_000)

    def publish_queries(programme) -> int:
        before_deadline = time_machine.travel(dt.datetime(2015, 4, 1, 9), tick=False)
        with before_deadline, CaptureQueriesContext(connection) as queries:
            publishing.publish(programme)
        return len(queries)

    for n in range(3):  # codes given: the factory's sequence runs out of 3-digit numbers
        MunicipalityFactory(prefecture=hokkaido, code=jis_code(1, 600 + n))
    few = publish_queries(unpublished)
    for n in range(3, 43):
        MunicipalityFactory(prefecture=hokkaido, code=jis_code(1, 600 + n))
    other = services.load_programme({**seed.definition(), "name": "第二のプログラム"})
    assert _entries(other).count() == 0
    assert publish_queries(other) == few
    assert _entries(other).count() == 44 * _applicable(other, "municipality") - 3


def test_publish_query_count(unpublished, sapporo, django_assert_num_queries):
    # Mark published and read it back; tasks, organisations, their systems, existing
    # entries, the writes (on Postgres one statement for entries and history; elsewhere
    # INSERT, new ids, history); judging: entries, milestones, approvals (new entries: no
    # flags or states to read), INSERT states, next check; the rollups: status and
    # per-organisation, one upsert each (no flags yet on 2015/04/01); three savepoints and
    # their releases.
    writes = 1 if connection.vendor == "postgresql" else 3
    before_deadline = time_machine.travel(dt.datetime(2015, 4, 1, 9), tick=False)
    with before_deadline, django_assert_num_queries(19 + writes):
        publishing.publish(unpublished)


def test_new_entries_are_judged_without_reading_or_locking_what_they_cannot_have(
    unpublished, sapporo, hokkaido
):
    """Publishing judges its new entries on the fast path (no flags or states to read, no
    row locks: nobody else sees them yet), and that judgement is the full one: judging the
    same entries again the ordinary way finds nothing to raise, resolve or recount."""
    from review import judging, rollups
    from tests.review import oracle

    on = D(2015, 5, 7)  # after the plan deadline: every new entry is late
    with time_machine.travel(dt.datetime(2015, 5, 7, 9), tick=False):
        with CaptureQueriesContext(connection) as queries:
            created = publishing.publish(unpublished)
        flags = set(DelayFlag.objects.values_list("entry_id", "rule", "days_late", "since"))
        checks = dict(_entries(unpublished).values_list("pk", "next_check_on"))
        cells = rollups.stored_cells(unpublished)
        again = judging.judge_entries(sorted(checks), on)
    assert created and len(flags) >= created
    sql = [query["sql"] for query in queries.captured_queries]
    assert not [q for q in sql if "FOR NO KEY UPDATE" in q or "FOR UPDATE" in q]
    read = [q for q in sql if q.startswith("SELECT")]
    assert not [q for q in read if '"review_delayflag"' in q.split("WHERE")[0]]
    assert not [q for q in read if '"review_entrystate"' in q.split("WHERE")[0]]
    assert (again.judged, again.raised, again.resolved) == (created, 0, 0)
    assert set(DelayFlag.objects.values_list("entry_id", "rule", "days_late", "since")) == flags
    assert dict(_entries(unpublished).values_list("pk", "next_check_on")) == checks
    assert rollups.stored_cells(unpublished) == cells == oracle.full_scan(unpublished, on)


def test_the_plan_page_writes_nothing(client, alice, unpublished, sapporo, settings):
    from accounts.roles import Role

    url = reverse("actionplan:plan", args=[sapporo.code])
    client.force_login(alice)
    assert client.get(url).status_code == 404  # not published: not shown to its staff
    # The administrator preparing it sees the page; opening it creates nothing.
    settings.MFA_REQUIRED = False
    client.force_login(UserFactory(email="admin@example.go.jp", role=Role.SYSADMIN))
    response = client.get(url)
    assert response.status_code == 200
    assert not PlanEntry.objects.exists()  # not published: nobody has entries yet


def test_new_organisations_from_the_register_get_entries(unpublished, tmp_path):
    publishing.publish(unpublished)
    governments = tmp_path / "jis.csv"
    governments.write_text(
        "code,prefecture,city,prefecture_kana,city_kana\n"
        "010006,北海道,,ﾎｯｶｲﾄﾞｳ,\n011002,北海道,札幌市,ﾎｯｶｲﾄﾞｳ,ｻｯﾎﾟﾛｼ\n",
        encoding="utf-8",
    )
    classes = tmp_path / "classes.csv"
    classes.write_text("code,class\n011002,designated\n", encoding="utf-8")
    ministries = tmp_path / "ministries.csv"
    ministries.write_text("code,name,name_kana,parent\nmic,総務省,,\n", encoding="utf-8")
    loader.load_all(governments, classes, ministries)
    expected = _applicable(unpublished, "municipality") + _applicable(unpublished, "prefecture")
    assert _entries(unpublished).count() == expected
    assert EntryState.objects.count() == expected  # judged and counted as they were created
    loader.load_all(governments, classes, ministries)  # loading again adds nothing
    assert _entries(unpublished).count() == expected


def test_new_tasks_of_a_published_programme_get_entries(unpublished, sapporo, hokkaido):
    publishing.publish(unpublished)
    before = _entries(unpublished).count()
    definition = seed.definition()
    first = definition["work_items"][0]
    new_task = {"name": "庁内説明会", "milestones": [{"due_on": D(2015, 9, 30)}]}
    definition["work_items"][0] = {**first, "tasks": [*first["tasks"], new_task]}
    services.load_programme(definition)
    added = _entries(unpublished, task__name="庁内説明会")
    assert set(added.values_list("organization__code", flat=True)) == {"011002", "010006"}
    assert _entries(unpublished).count() == before + 2


def test_new_tasks_of_an_unpublished_programme_wait_for_publishing(unpublished, sapporo):
    services.load_programme(seed.definition())
    assert not PlanEntry.objects.exists()


def test_a_listed_system_gets_its_g_rows(unpublished, sapporo, alice):
    publishing.publish(unpublished)
    systems.add(alice, sapporo, "独自の福祉システム")
    rows = _entries(unpublished, organization=sapporo, system__name="独自の福祉システム")
    assert rows.count() == 3
    assert EntryState.objects.filter(entry__in=rows).count() == 3


def test_admin_publish_action(client, unpublished, sapporo):
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role

    admin = UserFactory(
        organization=MinistryFactory(), role=Role.SYSADMIN, is_staff=True, is_superuser=True
    )
    enrol_demo_totp(admin)
    client.force_login(admin)
    response = client.post(
        "/admin/actionplan/programme/",
        {"action": "publish", "_selected_action": [unpublished.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "を公開しました。計画の行は順次作成されます。" in response.content.decode()
    unpublished.refresh_from_db()
    assert unpublished.is_published
    assert _entries(unpublished, organization=sapporo).count() == _applicable(
        unpublished, "municipality"
    )


def test_admin_added_organisation_gets_entries(client, unpublished, hokkaido):
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role

    publishing.publish(unpublished)
    assert _entries(unpublished).count() == _applicable(unpublished, "prefecture")
    admin = UserFactory(
        organization=MinistryFactory(), role=Role.SYSADMIN, is_staff=True, is_superuser=True
    )
    enrol_demo_totp(admin)
    client.force_login(admin)
    response = client.post(
        "/admin/orgs/organization/add/",
        {
            "code": "012025",
            "kind": "municipality",
            "name": "函館市",
            "name_kana": "ハコダテシ",
            "prefecture": hokkaido.pk,
            "municipality_class": "core",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _entries(unpublished, organization__code="012025").count() == _applicable(
        unpublished, "municipality"
    )


def test_an_organisations_code_is_not_edited_in_the_admin(client, hokkaido):
    """A JIS code names its organisation; the review's flags keep a copy of it."""
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role

    admin = UserFactory(
        organization=MinistryFactory(), role=Role.SYSADMIN, is_staff=True, is_superuser=True
    )
    enrol_demo_totp(admin)
    client.force_login(admin)
    url = f"/admin/orgs/organization/{hokkaido.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert "code" not in form.fields and "name" in form.fields
    response = client.post(
        url,
        {
            "code": "999999",
            "kind": "prefecture",
            "name": "北海道（改）",
            "name_kana": "ホッカイドウ",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    hokkaido.refresh_from_db()
    assert (hokkaido.code, hokkaido.name) == ("010006", "北海道（改）")


def test_prefecture_factory_is_not_published_into(unpublished):
    # Organisations made directly (factories, shell) are not announced: only the register's
    # write paths (loader, admin) are. Nothing is created behind the caller's back.
    publishing.publish(unpublished)
    PrefectureFactory()
    assert not PlanEntry.objects.exists()


def test_admin_publish_with_the_broker_down_says_so_and_publishes_nothing(
    client, unpublished, monkeypatch
):
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role
    from pmo import jobs

    def down(task, *args):
        raise jobs.QueueUnavailable("connection refused")

    monkeypatch.setattr(jobs, "send", down)
    admin = UserFactory(
        organization=MinistryFactory(), role=Role.SYSADMIN, is_staff=True, is_superuser=True
    )
    enrol_demo_totp(admin)
    client.force_login(admin)
    response = client.post(
        "/admin/actionplan/programme/",
        {"action": "publish", "_selected_action": [unpublished.pk]},
        follow=True,
    )
    assert str(jobs.BROKER_DOWN)[:10] in response.content.decode()
    unpublished.refresh_from_db()
    assert not unpublished.is_published
