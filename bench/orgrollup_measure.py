"""Before/after figures of the per-organisation rollup at a moderate scale (not part of
``make bench``): ``DATABASE_URL=postgres://…/pmo_<name> python -m bench.orgrollup_measure``.

Builds, on the database DATABASE_URL names (migrated, then emptied), the standardisation-style
programme of ``bench.review`` (20 systems × 40 steps) for the first ``ORGS`` organisations
(default 200, 北海道 and its 179 municipalities among them), then times the old queries (the
open flags grouped, the prefecture as an OR across a join) against the new ones (the rollup,
the flag's own prefecture) and prints EXPLAIN ANALYZE of each. Run ``BUILD=0`` to measure
again without rebuilding.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmo.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ORGS = int(os.environ.get("ORGS", "200"))


def build():
    from decimal import Decimal

    from accounts.demo import load_demo_accounts
    from actionplan import services as plan_services
    from actionplan.models import Programme, TargetSystem
    from bench.review import _fill_and_judge, _publish, _settle
    from orgs.loader import load_all
    from orgs.models import Organization, OrganizationKind

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    load_all()
    load_demo_accounts()
    definition = {
        "name": "標準化（ベンチマーク）",
        "starts_on": dt.date(2021, 1, 1),
        "ends_on": dt.date(2025, 12, 31),
        "plan_deadline": dt.date(2021, 6, 30),
        "work_items": [
            {
                "code": "S",
                "name": "標準準拠システムへの移行",
                "bureaus": ["mic-jumin"],
                "tasks": [
                    {
                        "name": f"手順{step:02d}",
                        "per_system": True,
                        "weight": Decimal(1 + step % 3),
                        "milestones": [{"due_on": dt.date(2025, 12, 31)}],
                    }
                    for step in range(1, 41)
                ],
            }
        ],
    }
    programme = plan_services.load_programme(definition)
    Programme.objects.filter(pk=programme.pk).update(is_active=True)
    systems = [TargetSystem.objects.get_or_create(name=f"標準化{n:02d}")[0] for n in range(1, 21)]
    local = list(
        Organization.objects.filter(
            kind__in=(OrganizationKind.PREFECTURE, OrganizationKind.MUNICIPALITY)
        ).order_by("code")
    )[:ORGS]
    start = time.perf_counter()
    with transaction.atomic():
        ids, _, _ = _publish(programme, local, systems, everyone=False)
    with transaction.atomic():
        _fill_and_judge(programme, ids, random.Random(2015))
    _settle()
    print(f"built {len(ids)} entries for {len(local)} organisations in "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip


def timed(func, runs: int = 5) -> float:
    func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def explain(label: str, queryset) -> None:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    total = plan[-1]
    print(f"--- {label}: {total}")
    for line in plan[:14]:
        print("   ", line)


def main() -> None:
    from accounts.models import User
    from actionplan.models import Programme
    from orgs.models import Organization
    from review import by_organization, orgrollups, reports, selectors
    from review.models import DelayFlag, OrganizationRollup
    from review.selectors import Scope

    if os.environ.get("BUILD", "1") != "0":
        build()
    setup_test_environment(debug=False)
    programme = Programme.objects.get(name="標準化（ベンチマーク）")
    user = User.objects.get(email="coordinator@demo.example")
    on = dt.date.today()
    hokkaido = Organization.objects.get(code="010006")
    flags = DelayFlag.objects.filter(resolved_at=None, work_item__programme=programme)
    print("open flags", flags.count(), "cells", OrganizationRollup.objects.count())
    scope = Scope()
    old_flags = selectors.late_flags(user, programme, scope, on)
    figures = {}

    # The late list by organisation: every open flag grouped (count and page) vs the rollup.
    def old_by_org(sort="days", page=1):
        result = selectors.late_organizations(old_flags, programme, page, sort=sort)
        return result.paginator.count, list(result.object_list)

    def new_by_org(sort="days", page=1):
        result = by_organization.late_page(user, programme, scope, {"sort": sort}, page, on=on)
        return result.paginator.count, list(result.object_list)

    assert [r.organization.code for r in old_by_org()[1]] == [
        r.organization.code for r in new_by_org()[1]
    ]
    figures["late_by_org_days_old_ms"] = timed(old_by_org)
    figures["late_by_org_days_new_ms"] = timed(new_by_org)
    figures["late_by_org_last_page_old_ms"] = timed(lambda: old_by_org("prefecture", 4))
    figures["late_by_org_last_page_new_ms"] = timed(lambda: new_by_org("prefecture", 4))
    grouped_old = (
        old_flags.order_by()
        .values("organization_id")
        .annotate(**selectors.flag_counts(), worst=django.db.models.Max("days"))
        .order_by("-worst", "organization__code")[:50]
    )
    explain("by org, old (open flags grouped)", grouped_old)
    grouped_new = (
        by_organization.cells(user, programme, scope)
        .filter(flags__gt=0)
        .values("organization_id")
        .annotate(**orgrollups.sums(), worst=orgrollups.worst(on))
        .order_by("-worst", "organization__code")[:50]
    )
    explain("by org, new (rollup)", grouped_new)

    # The prefecture filter on the flag list: an OR across a join vs the flag's prefecture.
    or_join = flags.filter(Q(organization=hokkaido) | Q(organization__prefecture=hokkaido))
    own = flags.filter(prefecture=hokkaido)
    assert or_join.count() == own.count()
    figures["hokkaido_flags_count_old_ms"] = timed(or_join.count)
    figures["hokkaido_flags_count_new_ms"] = timed(own.count)
    explain("Hokkaido flags, old (OR across a join)", or_join.values("pk"))
    explain("Hokkaido flags, new (prefecture on the flag)", own.values("pk"))

    # The flag list's deep page (default sort): OFFSET over every open flag vs the rollup.
    from review import views
    from review.filters import SORTS

    ordered = old_flags.order_by(*SORTS["org"])
    last = -(-flags.count() // views.PAGE_SIZE)

    def old_deep():
        return list(views._flag_page(ordered, last).object_list)

    def new_deep():
        page = by_organization.flag_page(
            user, programme, scope, {}, ordered, last, per_page=views.PAGE_SIZE
        )
        return views._flag_rows(ordered, list(page.object_list))

    # The same organisations (OFFSET's order left ties between flags to chance; now by id).
    assert {f.organization_id for f in old_deep()} == {f.organization_id for f in new_deep()}
    figures["late_last_page_old_ms"] = timed(old_deep)
    figures["late_last_page_new_ms"] = timed(new_deep)
    offset = (last - 1) * views.PAGE_SIZE
    explain("flag list last page, old (OFFSET)", ordered.values("pk")[offset : offset + 50])
    chosen = list(
        OrganizationRollup.objects.filter(programme=programme)
        .order_by("-organization__code")
        .values_list("organization_id", flat=True)[:1]
    )
    explain(
        "flag list last page, new (its organisations' flags)",
        ordered.filter(organization_id__in=chosen)
        .order_by("organization__code", "work_item__order", "rule", "pk")
        .values("pk")[:50],
    )

    # The prefecture drill-down's counts: entries and flags grouped vs the rollup.
    def old_lines():
        org_ids = list(Organization.objects.in_prefecture(hokkaido).values_list("pk", flat=True))
        list(
            flags.filter(organization_id__in=org_ids)
            .values("organization_id")
            .annotate(**selectors.flag_counts())
            .order_by()
        )
        from django.db.models import Count

        from actionplan.models import PlanEntry

        list(
            PlanEntry.objects.counted()
            .filter(organization_id__in=org_ids, task__work_item__programme=programme)
            .values_list("organization_id", "status")
            .annotate(n=Count("pk"))
            .order_by()
        )

    figures["prefecture_lines_old_ms"] = timed(old_lines)
    figures["prefecture_lines_new_ms"] = timed(
        lambda: by_organization.prefecture_lines(user, programme, hokkaido, scope)
    )

    # Keeping it: the worst days of every cell read again; the whole table rebuilt.
    every_cell = list(
        OrganizationRollup.objects.values_list("programme_id", "work_item_id", "organization_id")
    )
    figures["refresh_worst_all_cells_ms"] = timed(lambda: orgrollups.refresh_worst(every_cell))
    figures["rebuild_ms"] = timed(orgrollups.rebuild, runs=1)

    # The report's late list and the public CSV.
    figures["report_late_new_ms"] = timed(lambda: reports._late_now(programme, scope, on))

    def old_csv():
        reports.figures(programme, on, scope)  # what it computed before: the late list too
        reports.open_data_csv(programme, on, scope)

    figures["open_data_old_ms"] = timed(old_csv)
    figures["open_data_uncached_ms"] = timed(lambda: reports.open_data_csv(programme, on, scope))

    # The pages, through the test client (middleware, templates).
    client = Client()
    client.force_login(user)
    for name, url in {
        "page_late_by_org_days": "/review/late/?by=org&sort=days",
        "page_late_by_org_last": "/review/late/?by=org&sort=prefecture&page=4",
        "page_late_hokkaido": f"/review/late/?prefecture={hokkaido.pk}",
        "page_late_days": "/review/late/?sort=days",
        "page_late_last": f"/review/late/?page={last}",
        "page_prefecture_hokkaido": "/review/prefectures/010006/",
        "page_national_csv": "/review/national.csv",
    }.items():
        assert client.get(url).status_code == 200, url
        figures[f"{name}_ms"] = timed(lambda u=url: client.get(u), 3)
    for name, value in figures.items():
        print(f"{name:<36} {value:>10}")


if __name__ == "__main__":
    main()
