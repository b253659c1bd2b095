"""Review pages: who sees what (outsiders get 404), filters, exports, bad input, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actionplan import systems as plan_systems
from actionplan.models import PlanEntry, Task
from review import judging, workflow
from review.models import ApprovedException, DelayFlag, FollowUp, FollowUpNote, PlanCheck
from tests.factories import FollowUpFactory, MunicipalityFactory, jis_code


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# --- Outsiders ---------------------------------------------------------------------------------


def test_national_pages_answer_404_to_organisation_staff(client, judged, alice):
    client.force_login(alice)
    for name in ("review:late", "review:checks", "review:report"):
        assert client.get(reverse(name)).status_code == 404, name
    assert client.get(reverse("review:late_export", args=["csv"])).status_code == 404
    assert client.get(reverse("review:late"), {"by": "org"}).status_code == 404
    assert client.get(reverse("review:prefecture", args=["010006"])).status_code == 404
    assert client.get(reverse("review:check", args=["011002"])).status_code == 404


def test_index_sends_organisation_staff_to_their_own_page(client, judged, alice):
    response = get(client, alice, reverse("review:index"))
    assert response.status_code == 302
    assert response.url == reverse("review:organization", args=["011002"])


def test_another_organisations_pages_answer_404(client, judged, alice, bob):
    follow_up = FollowUpFactory(organization=bob.organization, programme=judged)
    client.force_login(alice)
    for url in (
        reverse("review:organization", args=["012025"]),
        reverse("review:follow_up", args=[follow_up.pk]),
        reverse("review:follow_up_new", args=["012025"]),
        reverse("review:approve", args=["012025"]),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("review:follow_up", args=[follow_up.pk]), {"body": "x"}).status_code
        == 404
    )
    assert not FollowUpNote.objects.exists()


def test_prefecture_admin_sees_only_their_prefecture(client, judged, prefecture_admin):
    client.force_login(prefecture_admin)
    page = client.get(reverse("review:index")).content.decode()
    assert "北海道" in page and "青森県" not in page
    assert client.get(reverse("review:prefecture", args=["020001"])).status_code == 404
    assert client.get(reverse("review:organization", args=["022012"])).status_code == 404
    late = client.get(reverse("review:late")).content.decode()
    assert "札幌市" in late and "青森市" not in late


def test_reviewer_sees_the_work_items_of_their_bureau(client, judged, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("review:index")).content.decode()
    assert "E. 番号利用事務移行" in page
    assert "B. 既存住基システム改修" not in page
    late = client.get(reverse("review:late")).context["page"]
    assert {flag.work_item.code for flag in late} <= {"E", "F", "G"}


# --- The national page -------------------------------------------------------------------------


def test_index_shows_rates_from_the_rollup_with_the_formula(client, judged, coordinator):
    entry = PlanEntry.objects.filter(organization__code="011002").first()
    PlanEntry.objects.filter(pk=entry.pk).update(status="not_applicable")
    judging.entries_changed([entry.pk])
    response = get(client, coordinator, reverse("review:index"))
    total = response.context["total"]
    assert total.entries == PlanEntry.objects.count()
    assert total.finished == 1
    assert "（完了 + 対象外）÷ 対象の計画の行" in response.content.decode()
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in response.content.decode()


def test_drill_down_prefecture_to_organisation_to_plan(client, judged, coordinator):
    client.force_login(coordinator)
    page = client.get(reverse("review:prefecture", args=["010006"])).content.decode()
    assert reverse("review:organization", args=["011002"]) in page
    assert reverse("actionplan:plan", args=["011002"]) in page


# --- The late list -----------------------------------------------------------------------------


def test_late_list_filters_and_sorts(client, judged, coordinator):
    client.force_login(coordinator)
    sapporo = PlanEntry.objects.filter(organization__code="011002")
    for number, entry in enumerate(sapporo):
        PlanEntry.objects.filter(pk=entry.pk).update(
            planned_start=dt.date(2015, 5, 1), planned_end=dt.date(2015, 6, 1 + number % 20)
        )
    judging.entries_changed(sapporo.values_list("pk", flat=True))
    hokkaido = sapporo.get(task__name="住民への広報活動")
    response = client.get(reverse("review:late"), {"rule": "end_overdue", "sort": "days"})
    flags = list(response.context["page"])
    assert flags and all(flag.rule == "end_overdue" for flag in flags)
    assert [f.days for f in flags] == sorted((f.days for f in flags), reverse=True)
    assert any(flag.entry_id == hokkaido.pk for flag in flags)
    aomori = client.get(reverse("review:late"), {"prefecture": judged_pref("020001")}).context[
        "page"
    ]
    assert {flag.organization.code for flag in aomori} == {"022012"}
    none = client.get(reverse("review:late"), {"days": 100000}).context["page"]
    assert len(none) == 0
    towns = client.get(reverse("review:late"), {"municipality_class": "core"}).context["page"]
    assert {flag.organization.code for flag in towns} == {"012025", "022012"}


def judged_pref(code: str) -> int:
    from orgs.models import Organization

    return Organization.objects.get(code=code).pk


def test_late_list_separates_approved_delays(client, judged, jumin_reviewer, sapporo):
    task = Task.objects.get(name="住民への広報活動")
    workflow.approve(
        jumin_reviewer, sapporo, task, timezone.localdate() + dt.timedelta(days=90), "mainframe"
    )
    client.force_login(jumin_reviewer)
    approved = client.get(reverse("review:late"), {"approved": "yes"}).context["page"]
    assert {flag.entry.task.name for flag in approved} == {"住民への広報活動"}
    unexplained = client.get(reverse("review:late"), {"approved": "no"}).context["page"].paginator
    assert (
        unexplained.count
        == DelayFlag.objects.filter(
            resolved_at=None,
            approved=False,
            work_item__responsible_bureaus=jumin_reviewer.organization,
        ).count()
    )


def test_late_list_follow_up_filter(client, judged, coordinator, sapporo):
    FollowUpFactory(organization=sapporo, programme=judged, cause="vendor")
    client.force_login(coordinator)
    opened = client.get(reverse("review:late"), {"follow_up": "open"}).context["page"]
    assert {flag.organization.code for flag in opened} == {"011002"}
    without = client.get(reverse("review:late"), {"follow_up": "none"}).context["page"]
    assert "011002" not in {flag.organization.code for flag in without}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_late_export_escapes_formulas(client, judged, coordinator, sapporo, fmt):
    PlanEntry.objects.filter(organization=sapporo).update(remarks="x")
    sapporo.name = "=HYPERLINK(1)"
    sapporo.save()
    response = get(client, coordinator, reverse("review:late_export", args=[fmt]), rule="no_plan")
    assert response.status_code == 200
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        names = {row[2] for row in rows[1:]}
        assert "'=HYPERLINK(1)" in names
    else:
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [cell for cell in sheet["C"] if cell.value == "=HYPERLINK(1)"]
        assert cells and all(cell.data_type == "s" for cell in cells)


# --- Query counts ------------------------------------------------------------------------------


def _many_organisations(programme, count: int):
    from actionplan import publishing
    from orgs.models import Organization

    hokkaido = Organization.objects.get(code="010006")
    for number in range(count):
        town = MunicipalityFactory(code=jis_code(1, 700 + number), prefecture=hokkaido)
        publishing.ensure_entries(town, programme)
    judging.scan(send=False)


@pytest.mark.parametrize("name", ["review:index", "review:late"])
def test_query_count_does_not_grow_with_organisations(
    client, judged, coordinator, name, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator)
    client.get(reverse(name))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    _many_organisations(judged, 12)
    with django_assert_num_queries(len(small)):
        assert client.get(reverse(name)).status_code == 200


# --- Follow-ups, approvals, checks -------------------------------------------------------------


def test_follow_up_opened_by_ministry_and_answered_by_the_organisation(
    client, judged, reviewer, alice
):
    client.force_login(reviewer)
    url = reverse("review:follow_up_new", args=["011002"])
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    # A reviewer names a work item of its bureau (E is 厚生労働省 社会保障担当参事官室's).
    work_item = judged.work_items.get(code="E").pk
    response = client.post(
        url, {"cause": "vendor", "actions": "ベンダーと協議", "due_on": due, "work_item": work_item}
    )
    follow_up = FollowUp.objects.get()
    assert response.url == reverse("review:follow_up", args=[follow_up.pk])
    assert follow_up.opened_by_organization == reviewer.organization
    client.force_login(alice)
    page = client.get(reverse("review:organization", args=["011002"])).content.decode()
    assert "ベンダーと協議" in page
    client.post(reverse("review:follow_up", args=[follow_up.pk]), {"body": "3月に契約します"})
    follow_up.refresh_from_db()
    assert follow_up.state == "answered"
    assert follow_up.notes.get().author == alice


def test_follow_up_without_cause_writes_nothing(client, judged, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("review:follow_up_new", args=["011002"]), {"actions": "x", "due_on": "2015-01-01"}
    )
    assert response.status_code == 200
    assert "原因を選んでください。" in response.content.decode()
    assert "対応期限は今日以降の日付にしてください。" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_prefecture_admin_follows_up_only_their_municipalities(
    client, judged, aomori_admin, prefecture_admin
):
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    data = {"cause": "staff", "actions": "人員の確保", "due_on": due}
    client.force_login(aomori_admin)
    assert client.post(reverse("review:follow_up_new", args=["011002"]), data).status_code == 404
    assert not FollowUp.objects.exists()
    client.force_login(prefecture_admin)
    assert client.post(reverse("review:follow_up_new", args=["011002"]), data).status_code == 302


def test_approval_needs_a_reason_code(client, judged, jumin_reviewer, sapporo):
    task = Task.objects.get(name="住民への広報活動")
    client.force_login(jumin_reviewer)
    url = reverse("review:approve", args=["011002"])
    response = client.post(url, {"task": task.pk, "approved_until": "2030-03-31", "note": "x"})
    assert "理由を選んでください。" in response.content.decode()
    assert not ApprovedException.objects.exists()
    response = client.post(
        url, {"task": task.pk, "approved_until": "2030-03-31", "reason": "other", "note": ""}
    )
    assert "補足を入力してください" in response.content.decode()
    assert not ApprovedException.objects.exists()
    response = client.post(
        url, {"task": task.pk, "approved_until": "2030-03-31", "reason": "custom_built"}
    )
    assert response.status_code == 302
    assert DelayFlag.objects.filter(
        entry__task=task, organization=sapporo, rule="milestone_missed", approved=True
    ).exists()


def test_prefecture_admin_cannot_approve(client, judged, prefecture_admin):
    client.force_login(prefecture_admin)
    assert client.get(reverse("review:approve", args=["011002"])).status_code == 404


def test_check_flow_coordinator_routes_ministry_marks_organisation_sees(
    client, judged, coordinator, reviewer, alice, mhlw, mic
):
    client.force_login(coordinator)
    url = reverse("review:check", args=["011002"])
    client.post(url, {"action": "route", "ministries": [mhlw.pk, mic.pk], "comment": "確認済み"})
    check = PlanCheck.objects.get()
    assert check.state == "routed" and check.reviews.count() == 2
    client.force_login(reviewer)
    assert "011002" in client.get(reverse("review:checks")).content.decode()
    response = client.post(url, {"action": "verdict", "verdict": "needs_fix", "comment": ""})
    assert "修正内容を入力してください" in response.content.decode()
    client.post(
        url, {"action": "verdict", "verdict": "needs_fix", "comment": "E の日程を見直してください"}
    )
    client.force_login(alice)
    page = client.get(reverse("review:organization", args=["011002"])).content.decode()
    assert "要修正" in page and "E の日程を見直してください" in page
    # A ministry that was not asked cannot record a verdict.
    client.force_login(coordinator)
    assert client.post(url, {"action": "verdict", "verdict": "appropriate"}).status_code == 404


# --- Report and open data ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2015/13/01", "2015/07/09 の形"),
        ("2015-7-9x", "2015/07/09 の形"),
        ("2999-01-01", "2999/01/01 は未来の日付です"),
        ("2014-12-31", "2014/12/31 はプログラムの開始日（2015/01/01）より前です"),
    ],
)
def test_report_refuses_bad_dates(client, judged, coordinator, as_of, message):
    from review.models import ReportJob

    client.force_login(coordinator)
    response = client.get(reverse("review:report"), {"as_of": as_of}, follow=True)
    assert message in response.content.decode()
    assert not ReportJob.objects.exists()


def test_report_has_summary_sheets_and_native_charts(client, judged, coordinator):
    response = get(client, coordinator, reverse("review:report"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "作業項目別",
        "作業項目別（グラフ）",
        "都道府県別",
        "都道府県別（グラフ）",
        "要フォローアップ団体",
        "注記",
    ]
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sum(name.startswith("xl/charts/chart") for name in names) == 2
    late = [row[2].value for row in book["要フォローアップ団体"].iter_rows(min_row=3)]
    assert {"札幌市", "函館市", "青森市"} <= set(late)


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_open_data_csv_has_national_aggregates_for_anyone(client, judged, alice, prefecture_admin):
    response = client.get(reverse("review:open_data"))  # signed out
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = _csv_rows(response)
    assert rows[0][:5] == ["基準日", "作業項目", "都道府県コード", "都道府県", "対象の計画（行）"]
    assert sum(int(row[4]) for row in rows[1:]) == PlanEntry.objects.count()
    assert all("札幌" not in cell and "函館" not in cell for row in rows for cell in row)
    # Signed-in users get the same national file, whatever their own scope.
    for user in (alice, prefecture_admin):
        assert _csv_rows(get(client, user, reverse("review:open_data"))) == rows


def test_open_data_without_a_programme_answers_404(client, db):
    assert client.get(reverse("review:open_data")).status_code == 404


def test_checks_list_shows_unchecked_organisations_to_the_coordinator(
    client, judged, coordinator, prefecture_admin, mhlw
):
    client.force_login(coordinator)
    page = client.get(reverse("review:checks"), {"state": "none"}).content.decode()
    assert "北海道 札幌市" in page and "青森県 青森市" in page
    client.post(
        reverse("review:check", args=["011002"]), {"action": "route", "ministries": [mhlw.pk]}
    )
    page = client.get(reverse("review:checks"), {"state": "none"}).content.decode()
    assert "北海道 札幌市" not in page
    routed = client.get(reverse("review:checks"), {"state": "routed"}).content.decode()
    assert "北海道 札幌市" in routed
    client.force_login(prefecture_admin)
    own = client.get(reverse("review:checks")).content.decode()
    assert "北海道 函館市" in own and "青森市" not in own


def test_an_organisation_without_entries_shows_no_rate_not_a_dash_percent(
    client, judged, coordinator, hokkaido
):
    MunicipalityFactory(code="012033", name="小樽市", prefecture=hokkaido)
    page = get(client, coordinator, reverse("review:prefecture", args=["010006"])).content.decode()
    assert "小樽市" in page
    assert "—%" not in page and "0.0%" in page


def test_top_shows_the_organisations_follow_ups_and_delays_at_a_glance(
    client, judged, alice, reviewer
):
    client.force_login(alice)
    significant = (
        DelayFlag.objects.filter(
            organization=alice.organization, resolved_at=None, significant=True, approved=False
        )
        .values("entry_id")
        .distinct()
        .count()
    )
    assert significant > 0
    page = client.get("/").content.decode()
    assert "回答待ちのフォローアップ" not in page
    assert f"要フォローアップの遅延がある計画の行 {significant} 行" in page
    workflow.open_follow_up(
        reviewer,
        alice.organization,
        judged,
        cause="budget",
        actions="予算確保",
        due_on=dt.date(2030, 1, 1),
    )
    page = client.get("/").content.decode()
    assert "回答待ちのフォローアップ 1 件" in page
    # One query for the organisation's two counts, whatever the number of delays.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get("/")
    assert sum('"review_delayflag"' in q["sql"] for q in captured.captured_queries) == 1


def test_top_tells_the_reviewing_side_what_needs_it(
    client, judged, alice, reviewer, prefecture_admin, coordinator, mhlw
):
    follow_up = FollowUpFactory(
        organization=alice.organization,
        programme=judged,
        opened_by=reviewer,
        opened_by_organization=reviewer.organization,
    )
    client.force_login(reviewer)
    assert "回答があったフォローアップ" not in client.get("/").content.decode()
    workflow.add_note(alice, follow_up, "予算を確保しました。", organization_side=True)
    page = client.get("/").content.decode()
    assert "回答があったフォローアップ 1 件" in page
    assert "/review/follow-ups/?state=answered&amp;mine=1" in page
    listing = client.get("/review/follow-ups/", {"state": "answered", "mine": "1"})
    assert [item.pk for item in listing.context["page"]] == [follow_up.pk]
    assert len(client.get("/review/follow-ups/", {"state": "open"}).context["page"]) == 0
    # A plan routed to the ministry for checking.
    client.force_login(coordinator)
    client.post(
        reverse("review:check", args=["011002"]), {"action": "route", "ministries": [mhlw.pk]}
    )
    client.force_login(reviewer)
    assert "確認を依頼された計画 1 件" in client.get("/").content.decode()
    # The prefecture: its municipalities with delays needing a follow-up (札幌市, 函館市).
    client.force_login(prefecture_admin)
    page = client.get("/").content.decode()
    assert "要フォローアップの団体（管内） 2 団体" in page
    assert "回答があったフォローアップ" not in page  # opened by the ministry, not by it
    # The organisation's staff see none of the reviewing side's lines.
    client.force_login(alice)
    page = client.get("/").content.decode()
    assert "回答があったフォローアップ" not in page and "確認を依頼された計画" not in page


def test_top_shows_no_glance_to_a_ministry(client, judged, reviewer):
    client.force_login(reviewer)
    page = client.get("/").content.decode()
    assert "要フォローアップの遅延" not in page


def test_late_list_by_organisation_shows_who_is_late(client, judged, coordinator, prefecture_admin):
    from django.db.models import Count

    client.force_login(coordinator)
    response = client.get(reverse("review:late"), {"by": "org"})
    lines = list(response.context["page"])
    codes = [line.organization.code for line in lines]
    assert codes == sorted(codes)  # by code, as the flags are by default
    counts = dict(
        DelayFlag.objects.filter(resolved_at=None)
        .values_list("organization__code")
        .annotate(n=Count("pk"))
    )
    assert {line.organization.code: line.flags for line in lines} == counts
    worst = client.get(reverse("review:late"), {"by": "org", "sort": "days"}).context["page"]
    assert [line.worst for line in worst] == sorted((line.worst for line in lines), reverse=True)
    assert all("マイルストーン未達" in line.rule_labels for line in lines)
    page = response.content.decode()
    assert f"{len(counts)} 団体" in page and 'name="by" value="org"' in page
    # Filters apply before grouping; the prefecture sees its own municipalities only.
    only = client.get(reverse("review:late"), {"by": "org", "rule": "no_plan"}).context["page"]
    assert all(line.rule_labels == ["計画未入力"] for line in only)
    client.force_login(prefecture_admin)
    own = client.get(reverse("review:late"), {"by": "org"}).context["page"]
    assert {line.organization.code for line in own} <= {"010006", "011002", "012025"}
    assert "022012" not in {line.organization.code for line in own}


def test_late_list_by_organisation_reads_a_fixed_number_of_queries(
    client, judged, coordinator, reviewer, add_towns, django_assert_num_queries
):
    """3 organisations with delays, then 30 (a follow-up on some): the same, exact count."""
    client.force_login(coordinator)
    url = reverse("review:late")
    client.get(url, {"by": "org"})  # the session and the programme, once
    with django_assert_num_queries(9):
        assert len(client.get(url, {"by": "org"}).context["page"]) == 3
    for town in add_towns(27)[::5]:
        workflow.open_follow_up(
            reviewer, town, judged, cause="budget", actions="予算確保", due_on=dt.date(2030, 1, 1)
        )
    with django_assert_num_queries(9):
        assert len(client.get(url, {"by": "org"}).context["page"]) == 30


def test_follow_up_state_is_shown_by_its_label_in_the_lists(
    client, judged, coordinator, reviewer, sapporo
):
    FollowUpFactory(
        organization=sapporo,
        programme=judged,
        opened_by=reviewer,
        opened_by_organization=reviewer.organization,
    )
    client.force_login(coordinator)
    for url, params in (
        (reverse("review:late"), {}),
        (reverse("review:late"), {"by": "org"}),
        (reverse("review:prefecture", args=["010006"]), {}),
    ):
        cells = follow_up_cells(client.get(url, params).content.decode())
        # Sapporo's rows show its follow-up's state; Hakodate, with none, shows "—".
        assert [shown for name, shown in cells.items() if "札幌市" in name] == [{"対応依頼中"}], url
        assert [shown for name, shown in cells.items() if "函館市" in name] == [{"—"}], url


def follow_up_cells(page: str) -> dict[str, set[str]]:
    """Each table row's organisation (the row's heading) → what its rows show under
    フォローアップ."""
    cells: dict[str, set[str]] = {}
    for row in page.split("<tr")[1:]:
        name = re.search(r'<th scope="row"[^>]*><a [^>]*>([^<]+)</a>', row)
        cell = re.search(r'<td data-label="フォローアップ">([^<]*)</td>', row)
        if name and cell:
            cells.setdefault(name.group(1), set()).add(cell.group(1).strip())
    return cells


def test_approve_page_lists_what_the_approval_covers_and_the_org_page_its_scope(
    client, judged, jumin_reviewer, sapporo
):
    from actionplan.models import Task

    task = Task.objects.get(work_item__code="A", name="住民への広報活動")
    client.force_login(jumin_reviewer)
    url = reverse("review:approve", args=["011002"])
    page = client.get(url, {"task": task.pk})
    assert "system" not in page.context["form"].fields  # no per-system task: no systems box
    rows = page.context["coverage"]
    assert [row.entry.task_id for row in rows] == [task.pk]
    # No plan entered: the missed milestone is covered, the missing plan is not.
    assert rows[0].flags == [("マイルストーン未達", True, False), ("計画未入力", False, False)]
    text = page.content.decode()
    assert "開始遅延・終了遅延" in text and "承認の対象" in text
    client.post(url, {"task": task.pk, "approved_until": "2030-03-31", "reason": "mainframe"})
    flags = DelayFlag.objects.filter(entry__task=task, organization=sapporo, resolved_at=None)
    assert {flag.rule: flag.approved for flag in flags} == {
        "milestone_missed": True,
        "no_plan": False,
    }
    shown = client.get(reverse("review:organization", args=["011002"]))
    (line,) = shown.context["approvals"]
    assert line["approved_flags"] == 1
    assert "タスクの計画" in shown.content.decode()


def test_a_per_system_task_offers_the_organisations_systems(
    client, judged, reviewer, jumin_reviewer, sapporo, alice
):
    from actionplan import publishing
    from actionplan.models import TargetSystem

    plan_systems.add(alice, sapporo, "住民記録システム")
    publishing.ensure_entries(sapporo, judged)
    g_task = Task.objects.filter(work_item__programme=judged, per_system=True).first()
    approver = (
        reviewer if workflow._may_follow_up(reviewer, g_task.work_item_id) else jumin_reviewer
    )
    client.force_login(approver)
    url = reverse("review:approve", args=["011002"])
    page = client.get(url, {"task": g_task.pk})
    system = TargetSystem.objects.get(name="住民記録システム")
    assert list(page.context["form"].fields["system"].queryset) == [system]
    assert [row.entry.system for row in page.context["coverage"]] == [system]
    data = {"task": g_task.pk, "system": system.pk, "approved_until": "2030-03-31"}
    response = client.post(url, {**data, "reason": "mainframe"})
    assert response.status_code == 302
    assert ApprovedException.objects.get().system == system
    shown = client.get(reverse("review:organization", args=["011002"])).content.decode()
    assert "住民記録システム" in shown
