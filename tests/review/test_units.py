"""Units that can't be confused (issue 12): every headline figure says whether it counts
organisations (団体), entries (計画の行) or flags (件・判定ごと), and each number is what its
label says. With the seed's empty plans judged in 2015/06 every entry carries two flags
(計画未入力 and マイルストーン未達), so flags outnumber entries and entries outnumber
organisations: a figure in the wrong unit shows."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actionplan.models import PlanEntry, Task
from review.models import DelayFlag


@pytest.fixture
def open_flags(judged):
    return DelayFlag.objects.filter(resolved_at=None, work_item__programme=judged)


def _significant(flags):
    return flags.filter(significant=True, approved=False)


def test_the_fixture_tells_the_units_apart(judged, open_flags):
    organisations = PlanEntry.objects.values("organization").distinct().count()
    assert organisations == 3
    assert open_flags.count() > PlanEntry.objects.count() > organisations


def test_index_figures_are_in_the_units_they_say(client, judged, coordinator, open_flags):
    client.force_login(coordinator)
    response = client.get(reverse("review:index"))
    page = response.content.decode()
    total = response.context["total"]
    tasks = Task.objects.filter(work_item__programme=judged).count()
    organisations = PlanEntry.objects.values("organization").distinct().count()
    # 計画の行: at most one per organisation and task (G: per target system; none here).
    assert total.entries == PlanEntry.objects.count() <= tasks * organisations
    # 件・判定ごと: open flags, which here outnumber the entries.
    assert total.late == open_flags.count() > total.entries
    assert total.significant == _significant(open_flags).count()
    # 団体: distinct organisations, not flags.
    late_orgs = _significant(open_flags).values("organization").distinct().count()
    assert total.significant_organizations == late_orgs == 3
    for line in response.context["by_item"]:
        expected = (
            _significant(open_flags.filter(work_item_id=line.key))
            .values("organization")
            .distinct()
            .count()
        )
        assert line.significant_organizations == expected <= late_orgs
    by_pref = {
        line.label: line.significant_organizations for line, _ in response.context["by_pref"]
    }
    assert by_pref["北海道"] == 2 and by_pref["青森県"] == 1  # 札幌市, 函館市 / 青森市
    for label in (
        "対象の計画（行）",
        "要フォローアップの団体",
        "遅延（件・判定ごと）",
        "要フォローアップ（件・判定ごと）",
        "承認済み（件・判定ごと）",
        "要フォローアップ（団体）",
        "数え方:",
    ):
        assert label in page, label
    assert f'{total.significant_organizations}<span class="unit">団体</span>' in page
    assert "遅延件数" not in page and "対象件数" not in page
    # The formula beside every table with rates (total, work items, prefectures).
    assert page.count("完了率 = （完了 + 対象外）÷ 対象の計画の行") == 3


def test_index_adds_one_query_for_the_organisation_counts(
    client, judged, coordinator, django_assert_num_queries
):
    """Session, user, programme, work items, prefectures, four rollup reads (status and rules,
    by work item and by prefecture) and the organisation counts: the one query the 団体
    figures add (9 → 10), from the per-organisation rollup. It stays fixed as organisations
    grow (see test_views.test_query_count_does_not_grow_with_organisations)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    client.get(reverse("review:index"))
    with django_assert_num_queries(10), CaptureQueriesContext(connection) as captured:
        client.get(reverse("review:index"))
    # From the per-organisation rollup (a row per organisation × work item), never the flags.
    sql = [q["sql"] for q in captured.captured_queries]
    assert not [q for q in sql if '"review_delayflag"' in q]
    assert len([q for q in sql if '"review_organizationrollup"' in q]) == 1


def test_prefecture_page_headline_counts_organisations_entries_and_flags(
    client, judged, coordinator, open_flags
):
    client.force_login(coordinator)
    response = client.get(reverse("review:prefecture", args=["010006"]))
    summary = response.context["summary"]
    lines = response.context["lines"]
    assert summary.organizations == len(lines) == len({line.organization.pk for line in lines})
    hokkaido = open_flags.filter(organization__prefecture__code="010006")
    assert (
        summary.significant_organizations
        == 2
        == (_significant(hokkaido).values("organization").distinct().count())
    )
    assert summary.late_organizations == 2
    assert (
        summary.entries == PlanEntry.objects.filter(organization__prefecture__code="010006").count()
    )
    assert summary.flags == hokkaido.count() > summary.entries
    page = response.content.decode()
    for label in (
        "遅延のある団体",
        "要フォローアップの団体",
        "遅延（件・判定ごと）",
        "対象の計画（行）",
    ):
        assert label in page, label
    assert "完了率 = （完了 + 対象外）÷ 対象の計画の行" in page


def test_organisation_page_says_flags_on_how_many_entries(client, judged, alice, open_flags):
    client.force_login(alice)
    response = client.get(reverse("review:organization", args=["011002"]))
    counts = response.context["flag_counts"]
    own = open_flags.filter(organization__code="011002")
    assert counts["flags"] == own.count()
    assert counts["entries"] == own.values("entry").distinct().count() < counts["flags"]
    assert counts["significant"] == _significant(own).count()
    page = response.content.decode()
    assert (
        f"遅延 {counts['flags']} 件（判定ごと）が計画の行 {counts['entries']} 行にあります。"
        in page
    )


def test_late_list_counts_flags_and_organisations_by_their_names(
    client, judged, coordinator, open_flags
):
    client.force_login(coordinator)
    flags = client.get(reverse("review:late")).content.decode()
    assert f"遅延 {open_flags.count()} 件（判定ごと）" in flags
    by_org = client.get(reverse("review:late"), {"by": "org"})
    assert by_org.context["page"].paginator.count == 3
    page = by_org.content.decode()
    assert "遅延のある団体 3 団体" in page
    assert "要フォローアップ（件・判定ごと）" in page and "遅延件数" not in page


def test_report_and_open_data_headers_carry_units(client, judged, coordinator, open_flags):
    client.force_login(coordinator)
    book = load_workbook(io.BytesIO(client.get(reverse("review:report")).content))
    items = [cell.value for cell in book["作業項目別"][2]]
    assert items[1] == "対象の計画（行）" and "遅延（件・判定ごと）" in items
    prefs = [cell.value for cell in book["都道府県別"][2]]
    assert prefs[-1] == "要フォローアップ（団体）"
    by_name = {row[0].value: row[-1].value for row in book["都道府県別"].iter_rows(min_row=3)}
    assert by_name["北海道"] == 2 and by_name["青森県"] == 1
    late = [cell.value for cell in book["要フォローアップ団体"][2]]
    assert late[3:6] == [
        "遅延（件・判定ごと）",
        "要フォローアップ（件・判定ごと）",
        "承認済み（件・判定ごと）",
    ]
    assert any("数え方" in str(row[0].value) for row in book["注記"].iter_rows())
    assert book["作業項目別（グラフ）"]["A1"].value == "作業項目別 完了率（%）"
    text = client.get(reverse("review:open_data")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(int(row["対象の計画（行）"]) for row in rows) == PlanEntry.objects.count()
    assert sum(int(row["要フォローアップ（件・判定ごと）"]) for row in rows) == (
        _significant(open_flags).count()
    )
    assert sum(int(row["マイルストーン未達（件・判定ごと）"]) for row in rows) == (
        open_flags.filter(rule="milestone_missed").count()
    )
