"""The per-organisation rollup: equal to a full scan after random edits (a fixed seed), to a
rebuild from scratch, and the pages served from it in a number of queries that does not grow
with the organisations."""

from __future__ import annotations

import contextlib
import datetime as dt
import random

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplan import publishing
from actionplan import services as plan_services
from actionplan.models import PlanEntry
from review import judging, orgrollups, rollups, rules, selectors, workflow
from review.models import DelayFlag, FollowUp, OrganizationRollup
from tests.review import oracle
from tests.review.conftest import D

STATUSES = ["not_started", "in_progress", "done", "not_applicable"]


def _completion(entry) -> dict:
    return {
        str(item.pk): "yes"
        if item.kind == "yes_no"
        else "2015-09-01"
        if item.kind == "date"
        else "1"
        if item.kind == "number"
        else (item.choice_list or ["x"])[0]
        for item in entry.task.completion_items.all()
    }


def _random_save(rng, entry, user, on) -> None:
    entry.refresh_from_db()
    start = D(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 700))
    end = start + dt.timedelta(days=rng.randrange(0, 200))
    status = rng.choice(STATUSES)
    data = {"planned_start": start, "planned_end": end, "status": status}
    if rng.random() < 0.2:  # a plan left empty again: 計画未入力
        data = {"planned_start": None, "planned_end": None, "status": "not_started"}
    if status in ("in_progress", "done") and data["planned_start"]:
        data["actual_start"] = start
    if status == "done" and data["planned_start"]:
        data["actual_end"] = end
        data["completion"] = _completion(entry)
    if status == "not_applicable" and data["planned_start"]:
        data["not_applicable_reason"] = "該当システムなし"
    # A refused save writes nothing: the rollup must not move either.
    with contextlib.suppress(plan_services.EntryInvalid):
        plan_services.save_entry(user, entry.pk, data, entry.version, on=on)


def _assert_matches(programme, on) -> set[str]:
    """The rollup equals a full scan and a rebuild; returns what the cells held (so the test
    knows the edits reached approved, significant and resolved flags)."""
    assert rollups.stored_cells(programme) == oracle.full_scan(programme, on)
    stored = orgrollups.stored(programme)
    scanned = oracle.full_scan_organizations(programme, on)
    wrong = {
        key: {
            n: (v, scanned.get(key, {}).get(n))
            for n, v in row.items()
            if scanned.get(key, {}).get(n) != v
        }
        for key, row in stored.items()
        if scanned.get(key) != row
    }
    assert not wrong
    assert stored == scanned
    orgrollups.rebuild([programme.pk])
    assert orgrollups.stored(programme) == stored
    return {
        name
        for name in ("approved", "significant", "flags", "entered", "started")
        if any(c[name] for c in stored.values())
    }


def _travel(day):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 3), tick=False)


def _edit(rng, plans, entries, users, organizations, reviewer, jumin_reviewer, on) -> None:
    """One round of edits: saves, a bulk write, an approval, a follow-up opened (and closed)."""
    for entry in rng.sample(entries, 12):  # saves on the plan page
        _random_save(rng, entry, users[entry.organization_id], on)
    # A bulk path that skips signals, then tells review.
    bulk = [e.pk for e in rng.sample(entries, 5)]
    PlanEntry.objects.filter(pk__in=bulk).update(status=rng.choice(STATUSES))
    judging.entries_changed(bulk)
    # Approvals of a later date (flags approved), and one that has lapsed.
    # Of an open flag a later date explains (chosen by the seed, so every run is the same).
    approvable = DelayFlag.objects.filter(resolved_at=None, rule__in=rules.APPROVABLE)
    flag = rng.choice(list(approvable.select_related("entry__task").order_by("pk")))
    task, org = flag.entry.task, organizations[flag.organization_id]
    for approver in (reviewer, jumin_reviewer):
        if workflow._may_follow_up(approver, task.work_item_id):
            until = on + dt.timedelta(days=rng.choice([-10, 30, 400]))
            workflow.approve(approver, org, task, until, "mainframe")
            break
    # Follow-ups opened and closed (the late list reads their state beside the rollup).
    follow_up = workflow.open_follow_up(
        jumin_reviewer, org, plans, cause="staff", actions="体制", due_on=on
    )
    if rng.random() < 0.5:
        workflow.add_note(jumin_reviewer, follow_up, "完了", organization_side=False, close=True)


def test_organization_rollup_equals_a_full_scan_after_random_edits(
    plans, sapporo, hakodate, aomori, alice, reviewer, jumin_reviewer
):
    from tests.factories import UserFactory

    on = D(2015, 6, 1)
    with _travel(on):
        judging.scan(on, send=False)
    users = {sapporo.pk: alice}
    for org in (hakodate, aomori):
        users[org.pk] = UserFactory(organization=org)
    organizations = {org.pk: org for org in (sapporo, hakodate, aomori)}
    rng = random.Random(17)
    entries = list(PlanEntry.objects.select_related("task"))
    _assert_matches(plans, on)
    seen: set[str] = set()
    for step in range(6):
        with _travel(on):  # approvals judge on today, like the scan
            _edit(rng, plans, entries, users, organizations, reviewer, jumin_reviewer, on)
            seen |= _assert_matches(plans, on)
        if step % 2:  # nights pass: flags grow, turn significant, resolve
            on += dt.timedelta(days=rng.randrange(20, 90))
            with _travel(on):
                judging.scan(on, send=False)
                seen |= _assert_matches(plans, on)
    # A deleted entry leaves the figures too, its flags with it.
    flagged = DelayFlag.objects.filter(resolved_at=None).values_list("entry_id", flat=True)
    with _travel(on):
        PlanEntry.objects.get(pk=flagged.first()).delete()
        _assert_matches(plans, on)
    assert DelayFlag.objects.filter(resolved_at=None).exists()  # there was something to count
    assert seen == {"approved", "significant", "flags", "entered", "started"}
    assert DelayFlag.objects.exclude(resolved_at=None).exists()  # and some were resolved


def test_flags_carry_their_prefecture(judged, sapporo, hokkaido, aomori, aomori_pref):
    pairs = set(DelayFlag.objects.values_list("organization_id", "prefecture_id").distinct())
    assert (sapporo.pk, hokkaido.pk) in pairs and (aomori.pk, aomori_pref.pk) in pairs
    assert all(pref is not None for _, pref in pairs)


# --- Query counts flat from 3 to 30 organisations ----------------------------------------------


def _more_organizations(plans, hokkaido, count: int) -> None:
    from tests.factories import MunicipalityFactory

    for n in range(count):
        org = MunicipalityFactory(code=f"01{n + 300:03d}0", name=f"町{n}", prefecture=hokkaido)
        publishing.ensure_entries(org, plans)


def _queries(client, url: str) -> tuple[int, object]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response


# Exact counts: the request's own reads (session, user, programme, the filter's choices) and
# the page's: by organisation 4 (count, cells, their organisations, latest follow-ups; a
# prefecture filter adds the check of its choice), the prefecture page 3 (organisations,
# cells, follow-ups).
PAGES = (
    ("/review/late/?by=org", 9),
    ("/review/late/?by=org&sort=days", 9),
    ("/review/late/?by=org&sort=prefecture&page=2", 9),
    ("/review/late/?by=org&prefecture={pref}", 10),
    ("/review/prefectures/010006/", 7),
    ("/orgs/011002/review/", 9),
)


@pytest.mark.parametrize(("url", "expected"), PAGES)
def test_pages_from_the_rollup_run_the_same_queries_for_3_and_30_organisations(
    plans, hokkaido, coordinator, client, url, expected
):
    url = url.format(pref=hokkaido.pk)
    if url.startswith("/orgs/"):
        url = reverse("review:organization", args=["011002"])
    client.force_login(coordinator)
    with _travel(D(2015, 9, 1)):
        judging.scan(send=False)
        small, _ = _queries(client, url)
    _more_organizations(plans, hokkaido, 27)
    with _travel(D(2015, 9, 1)):
        judging.scan(send=False)
        large, response = _queries(client, url)
    assert small == large == expected, url
    if "by=org" in url:
        assert response.context["page"].paginator.count >= 28


def test_late_by_organization_reads_the_rollup_not_the_flags(judged, coordinator, client):
    client.force_login(coordinator)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/review/late/?by=org&sort=days")
    assert response.status_code == 200
    flag_table = DelayFlag._meta.db_table
    assert not [q for q in captured if f'FROM "{flag_table}"' in q["sql"]]
    rows = response.context["page"].object_list
    assert rows and rows == sorted(rows, key=lambda row: -row.worst)


def test_late_by_organization_matches_the_flags(judged, coordinator, client, hokkaido):
    """The rollup's page equals the old grouping of every open flag, for each sort."""
    from review import selectors
    from review.selectors import Scope

    client.force_login(coordinator)
    on = judging.today()
    for sort in ("", "days", "-days", "prefecture"):
        page = client.get(f"/review/late/?by=org&sort={sort}").context["page"]
        flags = selectors.late_flags(coordinator, judged, Scope(), on)
        old = selectors.late_organizations(flags, judged, 1, sort=sort)
        assert [_row(r) for r in page.object_list] == [_row(r) for r in old.object_list]
        assert page.paginator.count == old.paginator.count


def _row(row) -> tuple:
    return (
        row.organization.code,
        row.flags,
        row.significant,
        row.approved,
        row.worst,
        row.rules,
        row.follow_up,
    )


def test_follow_up_filter_by_organization(judged, coordinator, client, sapporo, jumin_reviewer):
    workflow.open_follow_up(
        jumin_reviewer, sapporo, judged, cause="staff", actions="体制", due_on=D(2015, 9, 1)
    )
    client.force_login(coordinator)
    page = client.get("/review/late/?by=org&follow_up=open").context["page"]
    assert [row.organization.code for row in page.object_list] == [sapporo.code]
    none = client.get("/review/late/?by=org&follow_up=none").context["page"]
    assert sapporo.code not in [row.organization.code for row in none.object_list]
    assert FollowUp.objects.count() == 1


def test_prefecture_lines_match_the_entries_and_flags(judged, coordinator, hokkaido):
    from django.db.models import Count, Q

    from review import by_organization
    from review.selectors import Scope

    lines = by_organization.prefecture_lines(coordinator, judged, hokkaido, Scope())
    assert any(line.flags for line in lines) and any(line.entries for line in lines)
    for line in lines:
        org = line.organization
        entries = PlanEntry.objects.counted().filter(organization=org)
        flags = DelayFlag.objects.filter(organization=org, resolved_at=None).aggregate(
            n=Count("pk"),
            s=Count("pk", filter=Q(significant=True, approved=False)),
            a=Count("pk", filter=Q(approved=True)),
        )
        assert (line.entries, line.finished) == (
            entries.count(),
            entries.filter(status__in=("done", "not_applicable")).count(),
        )
        assert (line.flags, line.significant, line.approved) == (
            flags["n"],
            flags["s"],
            flags["a"],
        )


# --- The public CSV: the same figures, from the rollup alone, cached until they change -------


def test_national_csv_is_the_full_scans_figures_cached_until_they_change(
    judged, client, sapporo, alice, monkeypatch, django_capture_on_commit_callbacks
):
    from review import open_data
    from review.selectors import Scope

    on = judging.today()
    url = reverse("review:open_data")
    with CaptureQueriesContext(connection) as first:
        response = client.get(url)
    assert response.status_code == 200
    # Nothing per organisation is read: no flag, no per-organisation cell.
    tables = (DelayFlag._meta.db_table, OrganizationRollup._meta.db_table)
    assert not [q for q in first if any(f'"{t}"' in q["sql"] for t in tables)]
    text = response.content.decode("utf-8-sig")
    # The figures a full scan computes (what the CSV printed before it came from the cache).
    with monkeypatch.context() as patched:
        patched.setattr(rollups, "stored_cells", lambda p: oracle.full_scan(p, on))
        scanned = open_data.open_data_csv(judged, on, Scope())
    assert scanned == text
    with CaptureQueriesContext(connection) as again:
        assert client.get(url).content.decode("utf-8-sig") == text
    assert len(again) < len(first)  # served from the cache: no rollup read
    from review.models import StatusRollup

    assert not [q for q in again if StatusRollup._meta.db_table in q["sql"]]
    # A saved entry moves the figures: the next download has them.
    entry = PlanEntry.objects.filter(organization=sapporo, status="not_started").first()
    data = {"planned_start": D(2015, 4, 1), "planned_end": D(2015, 5, 1), "status": "done"}
    data |= {"actual_start": D(2015, 4, 1), "actual_end": D(2015, 5, 1)}
    data["completion"] = _completion(entry)
    with django_capture_on_commit_callbacks(execute=True):  # the version moves on commit
        plan_services.save_entry(alice, entry.pk, data, entry.version)
    changed = client.get(url).content.decode("utf-8-sig")
    assert changed != text
    assert changed == open_data.open_data_csv(judged, on, Scope())


# --- The flag list: every sort paged without sorting every flag -------------------------------

BY_DAYS = ("-days", "organization__code", "pk")  # the oracle joins for the code


@pytest.mark.parametrize(
    ("query", "order"),
    [
        # by segments the rollup counts (review.by_organization)
        ("", ("organization__code", "work_item__order", "rule", "pk")),
        ("sort=prefecture", ("organization__prefecture__code", "organization__code", "rule", "pk")),
        ("sort=org&prefecture={pref}", ("organization__code", "work_item__order", "rule", "pk")),
        ("sort=rule", ("rule", "organization__code", "pk")),
        (
            "sort=work_item",
            ("work_item__order", "work_item_id", "organization__code", "rule", "pk"),
        ),
        # index orders (review.index_orders), from either end
        ("sort=days", BY_DAYS),
        ("sort=-days", ("days", "organization__code", "pk")),
        ("sort=first_seen", ("first_seen", "organization__code", "pk")),
        ("sort=days&prefecture={pref}", BY_DAYS),
        ("sort=days&days=40", BY_DAYS),  # a filter no cell answers: the flags are counted
    ],
)
def test_flag_pages_hold_every_flag_in_order(plans, hokkaido, coordinator, client, query, order):
    from review.views import common

    on = D(2015, 9, 1)
    _more_organizations(plans, hokkaido, 4)
    with _travel(on):
        judging.scan(send=False)
    # Fixed counts beside growing ones (a plan ending after its milestone), so the days
    # orders merge both kinds.
    fixed = list(
        PlanEntry.objects.filter(task__milestones__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:30:3]
    )
    for n, pk in enumerate(fixed):
        PlanEntry.objects.filter(pk=pk).update(
            planned_start=D(2015, 5, 1), planned_end=D(2099, 1, n % 3 + 1)
        )
    with _travel(on):
        judging.entries_changed(fixed)
    client.force_login(coordinator)
    query = query.format(pref=hokkaido.pk)
    expected = DelayFlag.objects.filter(resolved_at=None).annotate(days=selectors.days_late(on))
    if "prefecture=" in query:
        expected = expected.filter(prefecture=hokkaido)
    if "days=40" in query:
        expected = expected.filter(days__gte=40)
    if "days" in query:
        assert expected.filter(since_ordinal=None).count() >= 9
        assert expected.exclude(since_ordinal=None).count() > 100
    expected = list(expected.order_by(*order).values_list("pk", flat=True))
    assert len(expected) > 2 * common.PAGE_SIZE
    seen: list[int] = []
    with _travel(on):
        for number in range(1, len(expected) // common.PAGE_SIZE + 2):
            page = client.get(f"/review/late/?{query}&page={number}").context["page"]
            assert page.paginator.count == len(expected)
            seen += [flag.pk for flag in page.object_list]
    assert seen == expected


@pytest.mark.parametrize("url", ["/review/late/", "/review/late/?sort=prefecture&page=3"])
def test_flag_pages_run_the_same_queries_for_3_and_30_organisations(
    plans, hokkaido, coordinator, client, url
):
    """8: the request's own reads, then the cells per organisation, the page's ids among
    its organisations' flags, those flags with what the table shows."""
    client.force_login(coordinator)
    with _travel(D(2015, 9, 1)):
        judging.scan(send=False)
        small, _ = _queries(client, url)
    _more_organizations(plans, hokkaido, 27)
    with _travel(D(2015, 9, 1)):
        judging.scan(send=False)
        large, response = _queries(client, url)
    assert small == large == 8
    assert len(response.context["page"].object_list) == 50
