"""The review lists page through the one pager include (templates/includes/pager.html): page 2
keeps every filter the list was asked with (the plan-check list used to keep only the state and
the programme), and shows the same filtered rows. An outsider still gets 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from orgs.models import MunicipalityClass
from review import workflow
from review.begun import NOT_ENTERED
from review.models import DelayFlag, FollowUp, Rule
from review.views import common
from tests.factories import FollowUpFactory
from tests.test_pager import pager_links

D = dt.date


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(common, "PAGE_SIZE", 2)


def as_query(filters: dict[str, str]) -> dict[str, list[str]]:
    return {key: [value] for key, value in filters.items()}


def page_two(client, url: str, filters: dict[str, str]):
    """Follow 次へ from page 1 and check that both pages keep every filter: the links change
    only ``page`` and page 2 counts the same filtered rows as page 1. Page 2's response."""
    first = client.get(url, filters)
    assert first.status_code == 200
    assert first.context["page"].has_next()
    following = pager_links(first.content.decode())["next"]
    assert following == as_query(filters) | {"page": ["2"]}
    second = client.get(url, {key: values[0] for key, values in following.items()})
    assert second.status_code == 200
    assert second.context["page"].number == 2
    assert second.context["page"].paginator.count == first.context["page"].paginator.count
    assert pager_links(second.content.decode())["prev"] == as_query(filters) | {"page": ["1"]}
    return second


def test_late_list_page_two_keeps_every_filter(client, judged, coordinator, hokkaido, small_pages):
    client.force_login(coordinator)
    url = reverse("review:late")
    filters = {
        "programme": str(judged.pk),
        "prefecture": str(hokkaido.pk),
        "municipality_class": MunicipalityClass.CORE,
        "rule": Rule.NO_PLAN,
        "approved": "no",
        "days": "0",
        "sort": "days",
    }
    second = page_two(client, url, filters)
    flags = second.context["page"].object_list
    assert flags and all(
        (flag.organization.code, flag.rule) == ("012025", Rule.NO_PLAN) for flag in flags
    )
    # The filters narrow the list: without them there are more flags than with them.
    assert second.context["page"].paginator.count < DelayFlag.objects.count()
    # The export links still carry the filters (the view's own query, not the pager's).
    body = second.content.decode().replace("&amp;", "&")
    assert f"/review/late.csv?programme={judged.pk}&prefecture={hokkaido.pk}" in body


def test_not_started_list_page_two_keeps_every_filter(
    client, judged, coordinator, add_towns, small_pages
):
    add_towns(3)  # 3 more 北海道 cities, none of whose plans is entered
    client.force_login(coordinator)
    url = reverse("review:not_started")
    work_item = judged.work_items.order_by("order").first()
    filters = {
        "programme": str(judged.pk),
        "state": NOT_ENTERED,
        "prefecture": "010006",
        "municipality_class": MunicipalityClass.CITY,
        "work_item": str(work_item.pk),
    }
    second = page_two(client, url, filters)
    assert second.context["page"].paginator.count == 3  # not 札幌市, 函館市 nor 青森市
    assert all(
        organization.municipality_class == MunicipalityClass.CITY
        for organization in second.context["page"]
    )


def test_checks_list_page_two_keeps_every_filter(
    client, judged, coordinator, mhlw, sapporo, small_pages
):
    workflow.route_check(coordinator, sapporo, judged, [mhlw])
    client.force_login(coordinator)
    url = reverse("review:checks")
    # 2 prefectures and 3 municipalities, 札幌市 checked: 4 not checked yet.
    assert client.get(url).context["page"].paginator.count == 5
    second = page_two(client, url, {"programme": str(judged.pk), "state": "none"})
    assert second.context["page"].paginator.count == 4
    assert all(row.code != "011002" for row in second.context["page"])


def test_checks_list_of_a_ministry_page_two_keeps_the_programme(
    client, judged, coordinator, reviewer, mhlw, sapporo, hakodate, aomori, small_pages
):
    for organization in (sapporo, hakodate, aomori):
        workflow.route_check(coordinator, organization, judged, [mhlw])
    client.force_login(reviewer)
    second = page_two(client, reverse("review:checks"), {"programme": str(judged.pk)})
    assert len(second.context["page"]) == 1


def test_follow_ups_list_page_two_keeps_every_filter(
    client, judged, coordinator, sapporo, hakodate, aomori, small_pages
):
    for organization in (sapporo, hakodate, aomori):
        workflow.open_follow_up(
            coordinator,
            organization,
            judged,
            cause="budget",
            actions="予算確保",
            due_on=D(2016, 1, 1),
        )
    # Left out by the filters: another fiscal year, and one the user's organisation did not open.
    workflow.open_follow_up(
        coordinator, sapporo, judged, cause="budget", actions="予算確保", due_on=D(2016, 6, 1)
    )
    FollowUpFactory(organization=hakodate, programme=judged, due_on=D(2016, 1, 1))
    client.force_login(coordinator)
    filters = {
        "programme": str(judged.pk),
        "state": FollowUp.State.OPEN,
        "fiscal_year": "2015",
        "mine": "1",
    }
    second = page_two(client, reverse("review:follow_ups"), filters)
    assert second.context["page"].paginator.count == 3
    assert [item.due_on for item in second.context["page"]] == [D(2016, 1, 1)]


@pytest.mark.parametrize("name", ["review:late", "review:not_started", "review:checks"])
def test_an_outsider_paging_a_national_list_gets_404(client, judged, alice, name, small_pages):
    client.force_login(alice)
    params = {"programme": judged.pk, "state": "none", "page": 2}
    assert client.get(reverse(name), params).status_code == 404


def test_an_outsider_paging_follow_ups_sees_none_of_another_organisations(
    client, judged, coordinator, alice, hakodate, aomori, small_pages
):
    for organization in (hakodate, aomori, hakodate):
        workflow.open_follow_up(
            coordinator,
            organization,
            judged,
            cause="budget",
            actions="予算確保",
            due_on=D(2016, 1, 1),
        )
    client.force_login(alice)
    response = client.get(reverse("review:follow_ups"), {"programme": judged.pk, "page": 2})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert 'class="pager"' not in response.content.decode()
