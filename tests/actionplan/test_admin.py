"""The programme is administered in the Django admin; plan entries are read-only there."""

from __future__ import annotations

import pytest


@pytest.fixture
def sysadmin(db):
    from accounts.demo import enrol_demo_totp
    from accounts.roles import Role
    from tests.factories import MinistryFactory, UserFactory

    user = UserFactory(
        email="root@cas.go.jp",
        organization=MinistryFactory(),
        role=Role.SYSADMIN,
        is_staff=True,
        is_superuser=True,
    )
    enrol_demo_totp(user)
    return user


def test_admin_pages_open(client, sysadmin, plan, programme):
    client.force_login(sysadmin)
    entry = plan.first()
    task = entry.task
    for address in (
        "/admin/actionplan/programme/",
        f"/admin/actionplan/programme/{programme.pk}/change/",
        f"/admin/actionplan/workitem/{task.work_item_id}/change/",
        f"/admin/actionplan/task/{task.pk}/change/",
        "/admin/actionplan/planentry/",
        f"/admin/actionplan/planentry/{entry.pk}/history/",
        "/admin/actionplan/targetsystem/",
    ):
        assert client.get(address).status_code == 200, address


def test_admin_cannot_edit_entries_around_the_version_check(client, sysadmin, plan):
    client.force_login(sysadmin)
    entry = plan.first()
    response = client.post(f"/admin/actionplan/planentry/{entry.pk}/change/", {"remarks": "x"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.remarks == "" and entry.version == 1
