"""The review pages, the top page, the hub and a plan read as many queries for the whole
country as for ten organisations.

The seed programme is published to 10 local governments, judged after its plan deadline, and
every review page is read by the people who use it; then it is published to all 1,788 (the
real JIS X 0402 list, through the publishing service), judged again, and the same pages are
read again. Each page's query count is exact and the same at both sizes, so a page that
starts reading one query per organisation, per prefecture or per page fails here (test_query
_counts.py checks the same for 3 against 30 organisations, and the per-row details)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from actionplan import publishing, seed
from actionplan.models import PlanEntry, Programme
from orgs.models import LOCAL_KINDS, Organization
from review import judging, workflow
from review.models import DelayFlag
from tests.factories import UserFactory, mark_published

PUBLISHED = dt.datetime(2015, 4, 1, 9)
SCANNED = dt.datetime(2015, 5, 1, 3)  # the night after the plan deadline (2015/04/30)
READ = dt.datetime(2015, 5, 1, 10)
FIRST = ("010006", "011002", "012025", "012033", "020001", "022012", "130001", "131016")
FIRST_MORE = 2  # and the first two 北海道 towns by code, to make ten

# The pages, as (who, url name, args, query, queries it reads). The prefecture administrator
# sees 北海道 only.
PAGES = (
    ("coordinator", "review:index", (), "", 10),
    ("coordinator", "review:late", (), "", 8),
    ("coordinator", "review:late", (), "page=3", 8),
    # by days late: the count from the rollup, a walk of each kind (growing, fixed), the rows
    ("coordinator", "review:late", (), "sort=days", 9),
    ("coordinator", "review:late", (), "sort=-days&page=3", 9),
    ("coordinator", "review:late", (), "sort=first_seen", 8),
    ("coordinator", "review:late", (), "sort=prefecture", 8),
    ("coordinator", "review:late", (), "sort=rule&page=2", 8),
    ("coordinator", "review:late", (), "sort=work_item", 8),
    ("coordinator", "review:late", (), "by=org", 9),
    ("coordinator", "review:late", (), "by=org&sort=days", 9),
    ("coordinator", "review:late", (), "prefecture=HOKKAIDO", 9),
    ("coordinator", "review:prefecture", ("010006",), "", 7),
    ("coordinator", "review:organization", ("011002",), "", 11),
    ("coordinator", "review:not_started", (), "", 8),
    ("coordinator", "review:follow_ups", (), "", 5),
    ("coordinator", "review:checks", (), "", 5),
    ("coordinator", "review:open_data", (), "", 3),
    ("reviewer", "review:index", (), "", 12),
    ("reviewer", "review:late", (), "by=org", 11),
    ("reviewer", "review:checks", (), "", 6),
    ("prefecture_admin", "review:index", (), "", 10),
    ("prefecture_admin", "review:late", (), "", 8),
    ("prefecture_admin", "review:prefecture", ("010006",), "", 7),
    ("prefecture_admin", "review:not_started", (), "", 8),
    ("coordinator", "top", (), "", 9),
    ("prefecture_admin", "top", (), "", 15),
    ("prefecture_admin", "accounts:hub", (), "", 2),
    ("coordinator", "actionplan:plan", ("011002",), "", 19),
    ("prefecture_admin", "actionplan:plan", ("011002",), "", 19),
)


@pytest.fixture
def people(organizations):
    mic = Organization.objects.get(code="mic-jumin")
    return {
        "coordinator": UserFactory(organization=mic, role=Role.COORDINATOR),
        "reviewer": UserFactory(organization=mic, role=Role.REVIEWER),
        "prefecture_admin": UserFactory(
            organization=Organization.objects.get(code="010006"), role=Role.PREFECTURE_ADMIN
        ),
    }


def _ten() -> list[Organization]:
    first = list(Organization.objects.filter(code__in=FIRST))
    towns = Organization.objects.filter(prefecture__code="010006").exclude(code__in=FIRST)
    return first + list(towns.order_by("code")[:FIRST_MORE])


def _follow_ups_and_checks(coordinator, programme, organizations) -> None:
    mic = coordinator.organization
    for number, organization in enumerate(organizations):
        workflow.open_follow_up(
            coordinator,
            organization,
            programme,
            cause="budget",
            actions=f"予算確保 {number}",
            due_on=dt.date(2015, 9, 30),
        )
        workflow.route_check(coordinator, organization, programme, [mic])


def _counts(client, people, hokkaido_pk: int) -> dict[tuple, int]:
    counts = {}
    with time_machine.travel(READ, tick=False):
        for who, name, args, query, _ in PAGES:
            client.force_login(people[who])
            url = reverse(name, args=args) + "?" + query.replace("HOKKAIDO", str(hokkaido_pk))
            client.get(url)  # the session, the programme and the caches, once
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (who, url)
            counts[(who, name, query)] = len(queries)
    return counts


def test_every_review_page_reads_the_same_queries_for_ten_and_for_1788(client, people):
    seed.load()
    programme = mark_published(Programme.objects.get(name=seed.NAME))
    ten = _ten()
    assert len(ten) == 10
    with time_machine.travel(PUBLISHED, tick=False):
        publishing.create_entries(programme, [org.pk for org in ten])
    with time_machine.travel(SCANNED, tick=False):
        judging.scan(SCANNED.date(), send=False)
        _follow_ups_and_checks(people["coordinator"], programme, ten[:3])
    hokkaido = Organization.objects.get(code="010006").pk
    assert DelayFlag.objects.values("organization").distinct().count() == 10
    small = _counts(client, people, hokkaido)

    with time_machine.travel(PUBLISHED, tick=False):
        publishing.create_entries(programme)
    with time_machine.travel(SCANNED, tick=False):
        judging.scan(SCANNED.date(), send=False)
        more = Organization.objects.filter(kind__in=LOCAL_KINDS).exclude(
            pk__in=[org.pk for org in ten]
        )
        _follow_ups_and_checks(people["coordinator"], programme, more.order_by("code")[:60])
    assert PlanEntry.objects.values("organization").distinct().count() == 1_788
    assert DelayFlag.objects.values("organization").distinct().count() == 1_788
    national = _counts(client, people, hokkaido)

    assert small == {(who, name, query): count for who, name, _, query, count in PAGES}
    assert national == small
