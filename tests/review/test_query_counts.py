"""Fixed query counts of the review pages: each page reads the same number of queries for 3
organisations as for 30 (for one organisation's page: for one follow-up, approval and ministry
review as for many). The counts are exact: a page that starts reading one query per row, or a
query more for everyone, fails here and says by how many."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from actionplan.models import Task
from review import workflow
from review.models import FollowUp, MinistryReview, PlanCheck
from tests.factories import MinistryFactory

D = dt.date
# 3 organisations with plans (札幌市, 函館市, 青森市) + 27 more (conftest's add_towns) = 30
MORE = 27


def _open_follow_up(user, organization, programme, number: int) -> FollowUp:
    return workflow.open_follow_up(
        user,
        organization,
        programme,
        cause="budget",
        actions=f"予算確保 {number}",
        due_on=D(2030, 1, 1),
    )


def _page(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response


def test_follow_ups_list(
    client, judged, coordinator, sapporo, hakodate, aomori, add_towns, django_assert_num_queries
):
    for number, organization in enumerate((sapporo, hakodate, aomori)):
        _open_follow_up(coordinator, organization, judged, number)
    client.force_login(coordinator)
    url = reverse("review:follow_ups")
    _page(client, url)  # the session and the programme, once
    with django_assert_num_queries(5):
        assert len(_page(client, url).context["page"]) == 3
    for number, town in enumerate(add_towns(MORE)):
        _open_follow_up(coordinator, town, judged, 10 + number)
    with django_assert_num_queries(5):
        assert len(_page(client, url).context["page"]) == 30


def test_checks_list_of_the_coordinator(
    client, judged, coordinator, mhlw, sapporo, hakodate, add_towns, django_assert_num_queries
):
    workflow.route_check(coordinator, sapporo, judged, [mhlw])
    client.force_login(coordinator)
    url = reverse("review:checks")
    _page(client, url)
    with django_assert_num_queries(5):
        # 2 prefectures and 3 municipalities
        assert len(_page(client, url).context["page"]) == 5
    towns = add_towns(MORE)
    for town in towns[::3]:
        workflow.route_check(coordinator, town, judged, [mhlw])
    with django_assert_num_queries(5):
        assert len(_page(client, url).context["page"]) == 5 + MORE


def test_checks_list_of_a_ministry(
    client, judged, coordinator, reviewer, mhlw, sapporo, hakodate, aomori, add_towns,
    django_assert_num_queries,
):  # fmt: skip
    for organization in (sapporo, hakodate, aomori):
        workflow.route_check(coordinator, organization, judged, [mhlw])
    client.force_login(reviewer)
    url = reverse("review:checks")
    _page(client, url)
    with django_assert_num_queries(6):
        assert len(_page(client, url).context["page"]) == 3
    for town in add_towns(MORE):
        workflow.route_check(coordinator, town, judged, [mhlw])
    assert MinistryReview.objects.filter(ministry=mhlw).count() == 30
    with django_assert_num_queries(6):
        assert len(_page(client, url).context["page"]) == 30


def test_prefecture_drill_down(
    client, judged, coordinator, reviewer, sapporo, hakodate, add_towns, django_assert_num_queries
):
    _open_follow_up(coordinator, sapporo, judged, 1)
    client.force_login(coordinator)
    url = reverse("review:prefecture", args=["010006"])
    _page(client, url)
    with django_assert_num_queries(7):
        # 北海道 itself (its own plan line) and its two municipalities
        assert len(_page(client, url).context["lines"]) == 3
    towns = add_towns(MORE)
    for number, town in enumerate(towns[::4]):
        _open_follow_up(coordinator, town, judged, 10 + number)
    with django_assert_num_queries(7):
        assert len(_page(client, url).context["lines"]) == 3 + MORE


def _tasks(count: int) -> list[Task]:
    tasks = list(
        Task.objects.filter(work_item__code__in=["A", "B"])
        .exclude(name="住民への広報活動")
        .order_by("work_item__order", "order")
    )
    assert len(tasks) >= count
    return tasks[:count]


def test_organisation_page(
    client, judged, coordinator, jumin_reviewer, mhlw, mic, sapporo, django_assert_num_queries
):
    """One follow-up, one approval and one ministry's review, or ten follow-ups, four
    approvals and four ministries' reviews: the same queries."""
    (first,) = _tasks(1)
    workflow.approve(jumin_reviewer, sapporo, first, D(2030, 3, 31), "mainframe")
    _open_follow_up(jumin_reviewer, sapporo, judged, 0)
    workflow.route_check(coordinator, sapporo, judged, [mhlw])
    client.force_login(coordinator)
    url = reverse("review:organization", args=["011002"])
    _page(client, url)
    with django_assert_num_queries(10):
        response = _page(client, url)
    assert (len(response.context["follow_ups"]), len(response.context["reviews"])) == (1, 1)

    for task in _tasks(4)[1:]:
        workflow.approve(jumin_reviewer, sapporo, task, D(2030, 3, 31), "mainframe")
    for number in range(1, 10):
        _open_follow_up(jumin_reviewer, sapporo, judged, number)
    others = [MinistryFactory(code=f"ministry-extra-{n}") for n in range(2)]
    workflow.route_check(coordinator, sapporo, judged, [mhlw, mic, *others])
    with django_assert_num_queries(10):
        response = _page(client, url)
    assert (len(response.context["follow_ups"]), len(response.context["reviews"])) == (10, 4)
    assert PlanCheck.objects.get(organization=sapporo).reviews.count() == 4
