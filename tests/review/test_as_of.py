"""As-of everywhere: a plan page for a past date shows advice, the plan check, approvals and
follow-ups as they stood that day (from their history), every link on it resolves, and the
meeting report of that day reproduces the same follow-up states and approvals."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from actionplan import services as plan_services
from actionplan.models import Task
from review import figures, workflow
from review.models import MinistryReview
from review.selectors import Scope

D = dt.date


def at(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(3)), tick=False)


@pytest.fixture
def history(plans, sapporo, alice, coordinator, jumin_reviewer, prefecture_admin, mic):
    """2015/11/01: advice, the check routed to 総務省, a follow-up opened. 2015/12/01: the
    ministry marks the plan 要修正, approves a later date for A, 札幌市 answers the follow-up,
    more advice."""
    task = Task.objects.get(work_item__programme=plans, name="住民への広報活動")
    with at(D(2015, 11, 1)):
        plan_services.add_advice(prefecture_admin, sapporo, plans, "最初の助言")
        workflow.route_check(coordinator, sapporo, plans, [mic], "確認しました")
        follow_up = workflow.open_follow_up(
            jumin_reviewer,
            sapporo,
            plans,
            cause="budget",
            actions="予算の確保",
            due_on=D(2015, 12, 31),
            work_item=task.work_item,
        )
    with at(D(2015, 12, 1)):
        review = MinistryReview.objects.get(plan_check__organization=sapporo)
        workflow.review_check(jumin_reviewer, review, "needs_fix", "日程を見直してください")
        workflow.approve(jumin_reviewer, sapporo, task, D(2016, 3, 31), "mainframe")
        workflow.add_note(alice, follow_up, "予算を要求中です", organization_side=True)
        plan_services.add_advice(prefecture_admin, sapporo, plans, "二度目の助言")
    return plans


def plan_page(client, org, as_of: str = "") -> str:
    query = {"as_of": as_of} if as_of else {}
    return client.get(reverse("actionplan:plan", args=[org.code]), query).content.decode()


def standing_of(body: str) -> str:
    return body[body.index('id="standing"') : body.index('id="plan-title"')]


def test_the_plan_page_shows_advice_checks_approvals_and_follow_ups_as_of_the_date(
    client, history, sapporo, alice
):
    client.force_login(alice)
    then = plan_page(client, sapporo, "2015-11-15")
    standing = standing_of(then)
    assert "（2015/11/15 時点）" in standing
    assert "府省庁確認中" in standing and "未確認" in standing and "要修正" not in standing
    assert "承認済みの期日延長はありません。" in standing
    assert "対応依頼中" in standing and "回答あり" not in standing
    assert "最初の助言" in then and "二度目の助言" not in then
    later = standing_of(plan_page(client, sapporo, "2015-12-15"))
    assert "確認済み" in later and "要修正" in later and "日程を見直してください" in later
    assert "2016/03/31 まで" in later and "回答あり" in later and "対応依頼中" not in later
    before = standing_of(plan_page(client, sapporo, "2015-10-01"))
    assert "まだ確認されていません。" in before and "フォローアップはありません。" in before
    now = plan_page(client, sapporo)
    assert "確認済み" in standing_of(now) and "最初の助言" in now and "二度目の助言" in now


def test_a_reviewer_sees_as_of_only_what_it_reaches(client, history, sapporo, reviewer):
    """厚労省's reviewer is not responsible for A: the approval and the follow-up on A are not
    shown to it, as of the date or now (through the permission door)."""
    client.force_login(reviewer)
    for as_of in ("2015-12-15", ""):
        standing = standing_of(plan_page(client, sapporo, as_of))
        assert "2016/03/31 まで" not in standing and "予算" not in standing


def test_every_link_on_an_as_of_page_resolves(client, history, sapporo, alice):
    client.force_login(alice)
    body = plan_page(client, sapporo, "2015-12-15")
    links = {
        link.replace("&amp;", "&")
        for link in re.findall(r'href="(/[^"#]*)', body)
        if not link.startswith(("/static/", "/accounts/logout"))
    }
    assert any("/history/?as_of=2015-12-15" in link for link in links)
    assert any(link.startswith("/review/follow-ups/") for link in links)
    for link in sorted(links):
        response = client.get(link)
        assert response.status_code in (200, 302), (link, response.status_code)
        assert response.status_code != 302 or "/accounts/login/" not in response.url, link


def test_history_from_an_as_of_page_stops_at_that_date(client, history, sapporo, alice):
    target = sapporo.plan_entries.get(task__name="住民への広報活動")
    with at(D(2015, 11, 1)):
        plan_services.save_entry(alice, target.pk, {"remarks": "十一月の備考"}, target.version)
    target.refresh_from_db()
    with at(D(2015, 12, 1)):
        plan_services.save_entry(alice, target.pk, {"remarks": "十二月の備考"}, target.version)
    client.force_login(alice)
    address = reverse("actionplan:entry_history", args=[sapporo.code, target.pk])
    then = client.get(address, {"as_of": "2015-11-15"}).content.decode()
    assert "十一月の備考" in then and "十二月の備考" not in then
    assert "十二月の備考" in client.get(address).content.decode()


def test_the_report_of_a_past_date_reproduces_follow_ups_and_approvals(history, sapporo):
    then = figures.figures(history, D(2015, 11, 15), Scope())
    later = figures.figures(history, D(2015, 12, 15), Scope())
    late_then = {item.organization.pk: item for item in then.late}
    late_later = {item.organization.pk: item for item in later.late}
    assert late_then[sapporo.pk].follow_up == "open"
    assert late_later[sapporo.pk].follow_up == "answered"
    assert late_then[sapporo.pk].approved == 0 and late_later[sapporo.pk].approved > 0


def test_the_report_workbook_of_a_past_date_names_that_dates_follow_up_state(
    client, history, sapporo, coordinator
):
    client.force_login(coordinator)

    def cells(as_of: str) -> str:
        response = client.get(reverse("review:report"), {"as_of": as_of})
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        return " ".join(
            str(cell.value)
            for sheet in book.worksheets
            for row in sheet.iter_rows()
            for cell in row
            if cell.value is not None
        )

    assert "対応依頼中" in cells("2015-11-15")
    later = cells("2015-12-15")
    assert "回答あり" in later and "対応依頼中" not in later


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2014-12-31", "2014/12/31 はプログラムの開始日（2015/01/01）より前です。"),
        ("2999-01-01", "2999/01/01 は未来の日付です。"),
        ("2015-02-30", "日付は 2015/07/09 の形で指定してください。"),
    ],
)
def test_a_date_outside_the_programme_is_explained_where_it_was_asked(
    client, history, sapporo, alice, coordinator, as_of, message
):
    client.force_login(alice)
    body = plan_page(client, sapporo, as_of)
    assert message in body and "現在の計画を表示しています。" in body
    assert "時点の計画を表示しています" not in body
    client.force_login(coordinator)
    response = client.get(reverse("review:report"), {"as_of": as_of}, follow=True)
    assert message in response.content.decode()


@pytest.mark.parametrize("as_of", ["2015-12-15", ""])
def test_the_standing_reads_a_fixed_number_of_queries(
    client, history, sapporo, alice, jumin_reviewer, as_of
):
    """One follow-up and one approval, or five of each: the same queries, now and as of a date."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    plan_page(client, sapporo, as_of)  # warm the session
    with CaptureQueriesContext(connection) as few:
        plan_page(client, sapporo, as_of)
    tasks = list(
        Task.objects.filter(work_item__code__in=["A", "B"]).exclude(name="住民への広報活動")
    )
    assert len(tasks) >= 4
    with at(D(2015, 12, 2)):
        for number, task in enumerate(tasks):
            workflow.approve(jumin_reviewer, sapporo, task, D(2016, 3, 31), "mainframe")
            workflow.open_follow_up(
                jumin_reviewer,
                sapporo,
                history,
                cause="staff",
                actions=f"対応{number}",
                due_on=D(2016, 1, 31),
                work_item=task.work_item,
            )
    with CaptureQueriesContext(connection) as many:
        body = plan_page(client, sapporo, as_of)
    assert standing_of(body).count('class="approval"') == 1 + len(tasks)
    assert standing_of(body).count('class="follow-up"') == 1 + len(tasks)
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
