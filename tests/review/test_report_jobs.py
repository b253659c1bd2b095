"""Meeting-report jobs: no job left when the broker is down, an interrupted one can be retried
by its requester only, and a deleted one is skipped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from review import reports, tasks
from review.models import ReportJob
from tests.factories import ReportJobFactory

D = dt.date


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(reports, "LARGE", 0)


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.build_report.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.build_report, "apply_async", refuse)


@pytest.fixture
def interrupted(judged, coordinator):
    return ReportJobFactory(
        user=coordinator, programme=judged, state="failed", failure="interrupted"
    )


def test_broker_down_says_so_where_the_report_was_asked_and_leaves_no_job(
    client, judged, coordinator, large, broker_down
):
    client.force_login(coordinator)
    response = client.get(reverse("review:report"), {"as_of": "2016-01-01"}, follow=True)
    # Back to the national page of the same programme.
    assert response.redirect_chain[-1][0] == reverse("review:index") + f"?programme={judged.pk}"
    assert "処理を受け付けられませんでした" in response.content.decode()
    assert not ReportJob.objects.exists()


def test_an_interrupted_report_is_retried_as_a_new_job(client, coordinator, interrupted, large):
    client.force_login(coordinator)
    page = client.get(reverse("review:report_job", args=[interrupted.pk])).content.decode()
    assert "処理が中断されました。もう一度お試しください。" in page
    assert reverse("review:report_retry", args=[interrupted.pk]) in page
    response = client.post(reverse("review:report_retry", args=[interrupted.pk]))
    again = ReportJob.objects.exclude(pk=interrupted.pk).get()
    assert response.url == reverse("review:report_job", args=[again.pk])
    assert (again.state, again.percent, again.as_of) == ("done", 100, D(2016, 1, 1))


def test_only_the_requester_may_retry(client, reviewer, interrupted):
    client.force_login(reviewer)
    assert client.post(reverse("review:report_retry", args=[interrupted.pk])).status_code == 404
    assert ReportJob.objects.count() == 1


def test_a_deleted_or_finished_job_is_skipped(judged, coordinator):
    job = ReportJobFactory(user=coordinator, programme=judged)
    ReportJob.objects.filter(pk=job.pk).update(state="done", percent=100)
    tasks.build_report.apply(args=[job.pk])
    assert ReportJob.objects.get(pk=job.pk).result is None
    tasks.build_report.apply(args=[10**9]).get()  # no error, nothing to retry
