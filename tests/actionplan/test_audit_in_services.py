"""The target-system services write their own audit rows (issue 14): listing, renaming,
retiring and restoring a system from the shell, the admin or a worker leaves the same trace as
the plan page's systems box. Each write below is a service call with no request: the trail
names who did what, to which organisation, before and after."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditEvent
from actionplan import systems
from actionplan.models import OrganizationSystem, PlanEntry
from actionplan.services import EntryInvalid

OWN = "独自の福祉システム"


def trail(organization) -> list[tuple[str, str, dict | None, dict | None, str | None]]:
    rows = AuditEvent.objects.filter(organization=organization, kind=AuditEvent.Kind.CONTENT)
    return [
        (row.actor_email, row.detail, row.before, row.after, row.ip_address)
        for row in rows.order_by("pk")
    ]


def test_each_system_write_leaves_its_audit_row_without_a_request(plan, sapporo, alice):
    link = systems.add(alice, sapporo, OWN)
    assert OrganizationSystem.objects.filter(pk=link.pk, organization=sapporo).exists()
    rows = PlanEntry.objects.filter(organization=sapporo, system=link.system).count()
    assert rows > 0  # G's entries for it
    systems.rename(alice, link, "福祉総合システム")
    link = OrganizationSystem.objects.select_related("system", "organization").get(pk=link.pk)
    assert systems.retire(alice, link, on=dt.date(2015, 9, 1)) == rows
    link.refresh_from_db()
    assert systems.restore(alice, link) == rows
    assert trail(sapporo) == [
        (alice.email, "対象システムを追加", None, {"system": OWN}, None),
        (
            alice.email,
            "対象システムの名前を変更",
            {"system": OWN},
            {"system": "福祉総合システム"},
            None,
        ),
        (
            alice.email,
            f"対象システムを廃止（福祉総合システム、{rows}件）",
            {"retired_on": ""},
            {"retired_on": "2015-09-01"},
            None,
        ),
        (
            alice.email,
            f"対象システムを復元（福祉総合システム、{rows}件）",
            {"retired_on": "2015-09-01"},
            {"retired_on": ""},
            None,
        ),
    ]


@pytest.mark.parametrize("refused", ["listed again", "the same name", "not retired"])
def test_a_refused_system_write_leaves_no_audit_row(plan, sapporo, alice, refused):
    link = systems.add(alice, sapporo, OWN)
    before = AuditEvent.objects.count()
    with pytest.raises(EntryInvalid):
        if refused == "listed again":
            systems.add(alice, sapporo, OWN)
        elif refused == "the same name":
            systems.rename(alice, link, OWN)
        else:
            systems.restore(alice, link)
    assert AuditEvent.objects.count() == before
