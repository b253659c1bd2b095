"""The audit trail pages by keyset: every page costs what the first does, each link keeps
the filters, no event is skipped or shown twice (also among events of the same moment), and
the CSV streams every event."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from pmo import keyset
from tests.factories import AuditEventFactory

MOMENT = timezone.make_aware(dt.datetime(2015, 9, 30, 10, 0))


def make_events(world, count: int, *, same_moment_every: int = 3, **fields) -> None:
    """``count`` events, a minute apart except that every ``same_moment_every`` share one
    moment (ties the keyset must break by id)."""
    defaults = {"kind": AuditEvent.Kind.CHANGED, "organization": world["hakodate"]}
    AuditEvent.objects.bulk_create(
        AuditEvent(
            created_at=MOMENT - dt.timedelta(minutes=n // same_moment_every),
            target=f"event-{n:05d}",
            **(defaults | fields),
        )
        for n in range(count)
    )


def order(count: int, same_moment_every: int = 3) -> list[str]:
    """The events of :func:`make_events` newest first: by moment, then the later id first."""
    ranked = sorted(range(count), key=lambda n: (n // same_moment_every, -n))
    return [f"event-{n:05d}" for n in ranked]


def links(body: str) -> dict[str, str]:
    start = body.find('class="pager"')
    pager = body[start : body.index("</nav>", start)] if start >= 0 else ""
    found = re.findall(r'<a href="([^"]*)"(?: rel="(prev|next)")?>', pager)
    named = {}
    for href, rel in found:
        named[rel or "first"] = unescape(href)
    return named


def targets(body: str) -> list[str]:
    return re.findall(r"event-\d{5}", body)


def test_walking_the_pages_shows_every_event_once_newest_first(client, world):
    make_events(world, 130)
    client.force_login(world["admin"])
    seen, pages, address = [], [], "/manage/audit/?kind=changed"  # not the login event
    while address:
        body = client.get(address).content.decode()
        pages.append((address, targets(body)))
        seen += targets(body)
        address = links(body).get("next")
        if address:
            address = "/manage/audit/" + address
    assert seen == order(130)
    assert [len(t) for _, t in pages] == [50, 50, 30]
    # 前へ from the last page shows the middle page again, and 最新 the first.
    last = client.get(pages[-1][0]).content.decode()
    back = client.get("/manage/audit/" + links(last)["prev"]).content.decode()
    assert targets(back) == pages[1][1]
    assert (
        targets(client.get("/manage/audit/" + links(back)["prev"]).content.decode())
        == (pages[0][1])
    )
    assert "after=" not in links(back)["first"] and "before=" not in links(back)["first"]


def test_page_links_keep_every_filter(client, world):
    make_events(world, 60, actor_email="tanaka@city.hakodate.lg.jp")
    make_events(world, 5, actor_email="sato@city.hakodate.lg.jp")
    client.force_login(world["admin"])
    query = "?actor=tanaka&organization=012025&kind=changed&since=2015/09/01&until=2015/09/30"
    body = client.get("/manage/audit/" + query).content.decode()
    following = links(body)["next"]
    for kept in ("actor=tanaka", "organization=012025", "kind=changed", "since=", "until="):
        assert kept in following
    assert "page=" not in following
    second = client.get("/manage/audit/" + following).content.decode()
    assert len(targets(second)) == 10 and "sato" not in second
    assert "actor=tanaka" in links(second)["prev"] and "actor=tanaka" in links(second)["first"]


def test_date_range_includes_the_whole_last_day_in_tokyo(client, world):
    late = timezone.make_aware(dt.datetime(2015, 9, 30, 23, 59, 59))
    early = timezone.make_aware(dt.datetime(2015, 9, 1, 0, 0))
    for moment, name in ((late, "event-00001"), (early, "event-00002")):
        AuditEventFactory(target=name, created_at=moment)
    AuditEventFactory(target="event-00003", created_at=early - dt.timedelta(seconds=1))
    client.force_login(world["admin"])
    body = client.get("/manage/audit/?since=2015-09-01&until=2015-09-30").content.decode()
    assert targets(body) == ["event-00001", "event-00002"]


@pytest.mark.parametrize("cursor", ["junk", "12-", "-5", "9" * 60, "99999999999999999999-1"])
def test_a_bad_cursor_shows_the_first_page(client, world, cursor):
    make_events(world, 3)
    client.force_login(world["admin"])
    for name in ("after", "before"):
        response = client.get("/manage/audit/", {name: cursor})
        assert response.status_code == 200
        assert targets(response.content.decode()) == order(3)


# Session, user, MFA authenticator; one page of events (51 rows, no count); the accounts the
# descriptions may link to.
QUERIES = 5


@pytest.mark.parametrize("events", [60, 400])
def test_any_page_costs_the_same(client, world, django_assert_num_queries, events):
    make_events(world, events, actor=world["admin"], target_user=world["admin"])
    client.force_login(world["admin"])
    client.get("/manage/audit/")
    with django_assert_num_queries(QUERIES):
        first = client.get("/manage/audit/?kind=changed").content.decode()
    deep, shown = first, first.count("<time datetime=")
    while "next" in links(deep):
        address = "/manage/audit/" + links(deep)["next"]
        with django_assert_num_queries(QUERIES):
            deep = client.get(address).content.decode()
        shown += deep.count("<time datetime=")
    assert shown == events
    with django_assert_num_queries(QUERIES):
        client.get("/manage/audit/" + links(deep)["prev"])


def test_csv_holds_every_event_past_a_batch(client, world, monkeypatch):
    make_events(world, 2_345)
    client.force_login(world["admin"])
    response = client.get("/manage/audit.csv?kind=changed")
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode()[1:])))
    assert len(rows) == 1 + 2_345
    assert [row[3] for row in rows[1:]] == order(2_345)


def test_iterate_runs_one_query_a_batch(world, django_assert_num_queries):
    make_events(world, 25)
    with django_assert_num_queries(3):  # 10 + 10 + 5
        found = list(keyset.iterate(AuditEvent.objects.all(), batch=10))
    assert [e.target for e in found] == order(25)
