"""The whole country from publishing: all 1,788 local governments get their entries when the
seed programme is published, nobody opens a page, and after the plan-entry deadline the
nightly scan finds every one of them without a plan — in /review/, the late list, the rollup
and the open-data CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from actionplan import publishing, seed
from actionplan.models import PlanEntry, Programme
from orgs.models import LOCAL_KINDS, Organization, OrganizationKind
from review import judging, rollups, rules
from review.models import DelayFlag, RuleRollup
from tests.factories import UserFactory
from tests.review import oracle

PUBLISHED = dt.datetime(2015, 4, 1, 9)  # before the plan deadline (2015/04/30): no flags yet
AFTER_DEADLINE = dt.date(2015, 5, 1)


@pytest.fixture
def national(organizations):
    seed.load()
    programme = Programme.objects.get(name=seed.NAME)
    with time_machine.travel(PUBLISHED, tick=False):
        created = publishing.publish(programme)
    return programme, created


def test_published_to_every_local_government_late_everywhere_after_the_deadline(national, client):
    """One test (the national set takes a few seconds to build): publishing, then the scan."""
    programme, created = national
    local = Organization.objects.filter(kind__in=LOCAL_KINDS)
    assert local.count() == 1_788
    assert created == PlanEntry.objects.count() > 0
    per_org = Counter(PlanEntry.objects.values_list("organization_id", flat=True))
    assert set(per_org) == set(local.values_list("pk", flat=True))
    # B is for municipalities only: a prefecture has 3 entries fewer than a municipality.
    prefecture = local.get(code="010006")
    town = local.get(code="012033")  # 小樽市
    assert per_org[town.pk] - per_org[prefecture.pk] == 3
    assert PlanEntry.history.filter(history_type="+").count() == created
    assert not DelayFlag.objects.exists()  # judged on publication day, before the deadline
    with time_machine.travel(PUBLISHED, tick=False):
        assert publishing.publish(programme) == 0  # twice: nothing new

    with time_machine.travel(dt.datetime(2015, 5, 1, 3), tick=False):
        result = judging.scan(AFTER_DEADLINE, send=False)
    assert result.judged == created and result.raised == created  # one no-plan flag each
    no_plan = DelayFlag.objects.filter(rule=rules.NO_PLAN, resolved_at=None)
    local = Organization.objects.filter(kind__in=LOCAL_KINDS)
    assert no_plan.values("organization").distinct().count() == local.count() == 1_788
    otaru = local.get(code="012033")
    assert no_plan.filter(organization=otaru).count() == otaru.plan_entries.count() > 0

    # The rollup is what a full scan computes.
    assert rollups.stored_cells(programme) == oracle.full_scan(programme, AFTER_DEADLINE)

    coordinator = UserFactory(
        organization=Organization.objects.get(code="mic-jumin"), role=Role.COORDINATOR
    )
    client.force_login(coordinator)
    with time_machine.travel(dt.datetime(2015, 5, 1, 10), tick=False):
        page = client.get(reverse("review:index"))
        by_org = client.get(reverse("review:late") + "?by=org")
        csv_response = client.get(reverse("review:open_data"))
    assert page.status_code == 200
    total = page.context["total"]
    assert total.entries == created and total.by_rule[rules.NO_PLAN] == created
    entries_by_pref = Counter(
        (org.prefecture_id or org.pk)
        for org in Organization.objects.filter(plan_entries__isnull=False).only("prefecture_id")
    )
    shown = {line.key: line.entries for line, _ in page.context["by_pref"]}
    assert len(shown) == 47 and shown == dict(entries_by_pref)
    assert by_org.context["page"].paginator.count == 1_788  # who is late: everyone

    # Open data: every prefecture, with all of its organisations' entries, all without a plan.
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    entries, late = Counter(), Counter()
    for row in rows:
        entries[row["都道府県コード"]] += int(row["対象の計画（行）"])
        no_plan = f"{rules.RULE_LABELS[rules.NO_PLAN]}（件・判定ごと）"
        late[row["都道府県コード"]] += int(row[no_plan])
    codes = dict(
        Organization.objects.filter(kind=OrganizationKind.PREFECTURE).values_list("pk", "code")
    )
    assert len(entries) == 47
    assert entries == late == {codes[pk]: n for pk, n in entries_by_pref.items()}
    assert RuleRollup.objects.filter(rule=rules.NO_PLAN).count() == len(rows)
