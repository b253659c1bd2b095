"""The meeting report reproduces any past date from the history; large ones go to a worker."""

from __future__ import annotations

import datetime as dt
import io

import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from actionplan import publishing
from actionplan import services as plan_services
from actionplan.models import PlanEntry
from review import figures, judging, reports, rules
from review.models import ReportJob
from review.selectors import Scope
from tests.factories import FollowUpFactory, ReportJobFactory
from tests.review import oracle

D = dt.date


def at(day: dt.date):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 3), tick=False)


def test_a_past_date_reproduces_that_dates_figures(programme, sapporo, hakodate, alice, reviewer):
    plans = programme
    with at(D(2015, 4, 1)):
        for organization in (sapporo, hakodate):
            publishing.ensure_entries(organization, programme)
    entry = PlanEntry.objects.get(organization=sapporo, task__name="住民への広報活動")
    with at(D(2015, 6, 1)):
        judging.scan(send=False)
        plan = {"planned_start": D(2015, 5, 1), "planned_end": D(2015, 7, 31)}
        plan_services.save_entry(alice, entry.pk, plan, 1)
    with at(D(2015, 8, 10)):
        judging.scan(send=False)
        then = oracle.full_scan(plans, D(2015, 8, 10))
        live = figures.figures(plans, D(2015, 8, 10), Scope())
        assert (live.status, live.rule) == then
        FollowUpFactory(organization=sapporo, programme=plans, cause="staff", due_on=D(2015, 9, 30))
    with at(D(2015, 9, 1)):
        done = {
            "actual_start": D(2015, 5, 1),
            "actual_end": D(2015, 8, 31),
            "status": "done",
            "progress": 100,
        }
        plan_services.save_entry(alice, entry.pk, done, 2)
        judging.scan(send=False)
    past = figures.figures(plans, D(2015, 8, 10), Scope())
    assert (past.status, past.rule) == then
    late = {item.organization.code: item for item in past.late}
    assert late["011002"].follow_up == "open"
    assert "start_overdue" in late["011002"].rules  # 101 days without an actual start
    # Since then it was started and finished: as of today that delay is gone.
    now = {
        item.organization.code: item
        for item in figures.figures(plans, dt.date.today(), Scope()).late
    }
    assert "start_overdue" not in now["011002"].rules


def test_large_reports_are_built_by_a_worker_with_progress(
    client, judged, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(reports, "LARGE", 0)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("review:report"), {"as_of": "2016-01-01"})
    job = ReportJob.objects.get()
    assert response.url == reverse("review:report_job", args=[job.pk])
    assert job.state == "done" and job.percent == 100
    page = client.get(response.url).content.decode()
    assert "ダウンロード" in page
    download = client.get(response.url, {"download": 1})
    book = load_workbook(io.BytesIO(download.content))
    assert "2016/01/01" in book["作業項目別"]["A1"].value


def test_someone_elses_report_job_is_404(client, judged, coordinator, reviewer):
    job = ReportJobFactory(user=coordinator, programme=judged)
    client.force_login(reviewer)
    assert client.get(reverse("review:report_job", args=[job.pk])).status_code == 404


def test_todays_report_reads_late_organisations_not_every_flag(judged):
    """The late sheet groups flags by organisation in SQL: no query of today's report returns
    a row per flag (one did, through the model's ordering joining a DISTINCT: 190 MB at 1.43M
    entries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from review.models import DelayFlag

    flags = DelayFlag.objects.count()
    with CaptureQueriesContext(connection) as captured:
        late = figures.figures(judged, timezone.localdate(), Scope()).late
    assert len(late) == 3 and flags > 50
    for query in captured.captured_queries:
        if '"review_delayflag"' not in query["sql"]:
            continue
        with connection.cursor() as cursor:
            cursor.execute(query["sql"].replace("%", "%%"))
            assert len(cursor.fetchall()) <= 3 * len(rules.RULES), query["sql"]
