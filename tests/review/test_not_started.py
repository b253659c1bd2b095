"""Who hasn't started? /review/not-started/: organisations that entered nothing, or started
nothing, by prefecture, class and work item, within the reviewer's scope; outsiders 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from actionplan import publishing
from actionplan import services as plan_services
from actionplan.models import PlanEntry
from tests.factories import MunicipalityFactory, jis_code

URL = reverse("review:not_started")
D = dt.date


def codes(response) -> list[str]:
    assert response.status_code == 200
    return [organization.code for organization in response.context["page"]]


def _save(user, organization, code: str, data: dict) -> None:
    entry = PlanEntry.objects.filter(organization=organization, task__work_item__code=code).first()
    plan_services.save_entry(user, entry.pk, data, entry.version, on=D(2015, 6, 1))


def test_lists_who_entered_nothing_and_who_started_nothing(client, plans, coordinator, alice):
    client.force_login(coordinator)
    assert codes(client.get(URL)) == ["011002", "012025", "022012"]  # nobody has entered
    _save(alice, alice.organization, "B", {"planned_start": D(2015, 5, 1)})
    assert codes(client.get(URL)) == ["012025", "022012"]
    # Planned but not started: still in the "not started" list.
    assert codes(client.get(URL, {"state": "not_started"})) == ["011002", "012025", "022012"]
    _save(alice, alice.organization, "A", {"actual_start": D(2015, 5, 7)})
    assert codes(client.get(URL, {"state": "not_started"})) == ["012025", "022012"]
    # By work item: 札幌市 entered B, not C.
    items = {item.code: item.pk for item in plans.work_items.all()}
    assert codes(client.get(URL, {"work_item": items["C"]})) == ["011002", "012025", "022012"]
    assert codes(client.get(URL, {"work_item": items["B"]})) == ["012025", "022012"]


def test_filters_by_prefecture_and_class_and_counts_by_prefecture(client, plans, coordinator):
    client.force_login(coordinator)
    assert codes(client.get(URL, {"prefecture": "020001"})) == ["022012"]
    assert codes(client.get(URL, {"municipality_class": "designated"})) == ["011002"]
    response = client.get(URL)
    assert [(pref.code, n) for pref, n in response.context["by_prefecture"]] == [
        ("010006", 2),
        ("020001", 1),
    ]


def test_bad_filter_is_explained_and_nothing_is_filtered(client, plans, coordinator):
    client.force_login(coordinator)
    response = client.get(URL, {"prefecture": "999999"})
    assert response.status_code == 200
    assert response.context["form"].errors["prefecture"]
    assert 'role="alert"' in response.content.decode()
    assert codes(response) == ["011002", "012025", "022012"]


def test_prefecture_admin_sees_only_its_prefecture(client, plans, prefecture_admin):
    client.force_login(prefecture_admin)
    assert codes(client.get(URL)) == ["011002", "012025"]
    assert codes(client.get(URL, {"prefecture": "020001"})) == ["011002", "012025"]


def test_reviewer_sees_organisations_by_its_work_items(client, plans, reviewer, alice):
    # 厚労省's bureau answers for E: 札幌市's E rows entered means it has begun there.
    client.force_login(reviewer)
    assert codes(client.get(URL)) == ["011002", "012025", "022012"]
    _save(alice, alice.organization, "E", {"planned_start": D(2015, 5, 1)})
    assert codes(client.get(URL)) == ["012025", "022012"]


def test_outsiders_get_404_or_the_login_page(client, plans, alice):
    assert client.get(URL).status_code == 302  # anonymous: to the login page
    client.force_login(alice)
    assert client.get(URL).status_code == 404


def test_query_count_does_not_grow_with_organisations(
    client, plans, coordinator, hokkaido, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    for number in range(12):
        town = MunicipalityFactory(code=jis_code(1, 700 + number), prefecture=hokkaido)
        publishing.ensure_entries(town, plans)
    with django_assert_num_queries(len(small)):
        response = client.get(URL)
    assert response.context["page"].paginator.count == 15


@pytest.fixture(autouse=True)
def _bureaus(plans, mhlw):
    # The seed links its bureaus by code; make 厚労省 responsible for E here.
    plans.work_items.get(code="E").responsible_bureaus.add(mhlw)
