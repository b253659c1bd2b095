"""Assigned reviewers (担当): who may assign, who may be assigned, the audit trail, and what
the assignment changes for the reviewer (order and marker; no wider reach)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import audit_text, permissions
from accounts.models import AuditEvent
from accounts.roles import Role
from review import assignments

URL = "/review/assignments/"


@pytest.fixture
def sysadmin(mic):
    from tests.factories import UserFactory

    return UserFactory(email="admin@soumu.go.jp", organization=mic, role=Role.SYSADMIN)


def _assign(client, actor, reviewer, **data):
    client.force_login(actor)
    return client.post(URL, {"reviewer": reviewer.pk, **data})


def _held(reviewer) -> set[str]:
    from orgs.models import Organization

    ids = permissions.assigned_organizations(reviewer)
    return set(Organization.objects.filter(pk__in=ids).values_list("code", flat=True))


@pytest.mark.parametrize("who", ["coordinator", "sysadmin"])
def test_the_coordinator_and_the_administrator_assign_a_reviewer(
    client, plans, reviewer, who, request
):
    actor = request.getfixturevalue(who)
    response = _assign(client, actor, reviewer, organizations="011002\n函館市")
    assert response.status_code == 302
    assert _held(reviewer) == {"011002", "012025"}
    page = client.get(URL)
    assert page.status_code == 200
    (line,) = page.context["lines"]
    assert line.reviewer == reviewer
    assert [org.code for org in line.organizations] == ["011002", "012025"]


@pytest.mark.parametrize("who", ["reviewer", "prefecture_admin", "alice"])
def test_others_get_404_and_grant_nothing(client, plans, reviewer, who, request):
    actor = request.getfixturevalue(who)
    client.force_login(actor)
    assert client.get(URL).status_code == 404
    response = client.post(URL, {"reviewer": reviewer.pk, "organizations": "011002"})
    assert response.status_code == 404
    assert _held(reviewer) == set()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_DENIED, actor=actor).exists()


def test_removal_is_the_coordinators_too_and_others_get_404(
    client, plans, reviewer, coordinator, prefecture_admin, sapporo
):
    _assign(client, coordinator, reviewer, organizations="011002")
    remove = reverse("review:assignment_remove", args=[reviewer.pk, "011002"])
    client.force_login(reviewer)
    assert client.post(remove).status_code == 404
    client.force_login(prefecture_admin)
    assert client.post(remove).status_code == 404
    assert _held(reviewer) == {"011002"}
    client.force_login(coordinator)
    assert client.post(remove).status_code == 302
    assert _held(reviewer) == set()
    taken = AuditEvent.objects.get(kind=AuditEvent.Kind.GRANT_TAKEN)
    assert taken.target_user == reviewer and taken.organization == sapporo
    (described,) = audit_text.describe([taken], coordinator)
    assert reviewer.display_name in described.text and "札幌市" in described.text
    assert "取り消しました" in described.text


def test_a_non_reviewer_account_cannot_be_assigned(client, plans, coordinator, alice):
    response = _assign(client, coordinator, alice, organizations="011002")
    assert response.status_code == 200
    text = response.content.decode()
    assert "府省庁の確認担当者ではないため、担当団体を割り当てられません" in text
    assert alice.email in text
    assert _held(alice) == set()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_GIVEN).exists()


def test_unknown_or_ambiguous_names_save_nothing(client, plans, coordinator, reviewer):
    response = _assign(client, coordinator, reviewer, organizations="011002\n存在しない市")
    assert "見つからない団体があります: 存在しない市" in response.content.decode()
    assert _held(reviewer) == set()


def test_assigning_again_changes_nothing(client, plans, coordinator, reviewer):
    _assign(client, coordinator, reviewer, organizations="011002")
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_GIVEN).count()
    response = _assign(client, coordinator, reviewer, organizations="011002")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_GIVEN).count() == events == 1
    assert _held(reviewer) == {"011002"}
    followed = client.get(URL, follow=True)
    assert "すでに割り当て済みです" in followed.content.decode()


def test_a_prefectures_list_and_the_audit_names_the_grantee(
    client, plans, coordinator, reviewer, hokkaido
):
    _assign(client, coordinator, reviewer, prefecture=hokkaido.code)
    assert _held(reviewer) == {"011002", "012025"}  # its municipalities, not 青森市
    given = AuditEvent.objects.filter(kind=AuditEvent.Kind.GRANT_GIVEN).order_by("pk")
    assert [event.target_user for event in given] == [reviewer, reviewer]
    described = audit_text.describe(given, coordinator)
    assert all(reviewer.display_name in item.text for item in described)
    assert "付与しました" in described[0].text


def test_the_assignment_widens_no_reach(plans, coordinator, reviewer, sapporo, aomori):
    before_items = set(permissions.work_items(reviewer, permissions.FOLLOW_UP))
    before_orgs = set(permissions.organizations(reviewer, permissions.FOLLOW_UP))
    assignments.assign(coordinator, reviewer, [sapporo])
    # Same organisations (a reviewer follows up every local government already), same work
    # items (its bureau's): the assignment names it responsible, nothing more.
    assert set(permissions.organizations(reviewer, permissions.FOLLOW_UP)) == before_orgs
    assert set(permissions.work_items(reviewer, permissions.FOLLOW_UP)) == before_items
    assert aomori in before_orgs  # and an unassigned organisation stays in reach


def test_the_reviewers_pages_show_the_assigned_first(
    client, judged, coordinator, jumin_reviewer, aomori
):
    assignments.assign(coordinator, jumin_reviewer, [aomori])
    client.force_login(jumin_reviewer)
    index = client.get(reverse("review:index"))
    assert [line.organization for line in index.context["assigned"]] == [aomori]
    assert "担当の団体" in index.content.decode()
    by_org = client.get(reverse("review:late"), {"by": "org"}).context["page"]
    assert by_org.object_list[0].organization == aomori  # 022012 after 011002 by code
    flags = client.get(reverse("review:late")).context["page"]
    assert flags.object_list[0].organization == aomori
    late = client.get(reverse("review:late"))
    assert late.context["assigned_ids"] == {aomori.pk}
    top = client.get("/")
    assert any("担当の団体 1 団体" in todo.label for todo in top.context["todos"])
    # Without an assignment the order is by code, and nothing is marked.
    client.force_login(coordinator)
    page = client.get(reverse("review:late"), {"by": "org"}).context["page"]
    assert page.object_list[0].organization.code == "011002"


def test_the_late_list_query_count_does_not_grow_with_assignments(
    client,
    judged,
    coordinator,
    jumin_reviewer,
    sapporo,
    hakodate,
    aomori,
    django_assert_num_queries,
):
    assignments.assign(coordinator, jumin_reviewer, [aomori])
    client.force_login(jumin_reviewer)
    client.get(reverse("review:late"), {"by": "org"})
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("review:late"), {"by": "org"})
    assignments.assign(coordinator, jumin_reviewer, [sapporo, hakodate])
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("review:late"), {"by": "org"})
