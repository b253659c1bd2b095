"""Plan import jobs through the views: no job left behind when the broker is down, an
interrupted job says so and can be retried, and only its organisation may retry it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from actionplan import tasks
from actionplan.models import ImportJob, PlanEntry
from tests.actionplan.conftest import entry
from tests.actionplan.test_excel import edit, export, row_of, upload
from tests.factories import ImportJobFactory


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.import_plan.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.import_plan, "apply_async", refuse)


@pytest.fixture
def sheet(plan, sapporo, programme):
    target = entry(sapporo, "B", "住民票記載事項の追加")
    data = export(sapporo, programme)
    return target, edit(data, {(row_of(data, target.pk), "remarks"): "再実行"})


@pytest.fixture
def interrupted(sheet, sapporo, programme, alice):
    return ImportJobFactory(
        organization=sapporo,
        programme=programme,
        user=alice,
        upload=sheet[1],
        total=60,
        state=ImportJob.State.FAILED,
        failure="interrupted",
    )


def job_url(name, job, *args):
    return reverse(f"actionplan:{name}", args=[job.organization.code, job.pk])


def test_only_a_few_rows_are_imported_in_the_request(settings):
    # 50 changed rows take 0.37 s in the request on Postgres (bench/jobs.py); more go to a worker.
    assert settings.IMPORT_INLINE_MAX_ROWS == 50


def test_broker_down_refuses_the_upload_on_its_form_and_leaves_no_job(
    client, alice, sheet, sapporo, settings, broker_down
):
    settings.IMPORT_INLINE_MAX_ROWS = 0
    client.force_login(alice)
    response = upload(client, sapporo, sheet[1])
    body = response.content.decode()
    assert response.status_code == 503
    assert 'class="form-error" role="alert">処理を受け付けられませんでした' in body
    assert not ImportJob.objects.exists()
    assert PlanEntry.objects.get(pk=sheet[0].pk).remarks == ""


def test_an_interrupted_job_says_so_and_a_retry_imports_the_same_file(
    client, alice, interrupted, sheet, settings
):
    settings.IMPORT_INLINE_MAX_ROWS = 0  # the retry goes through the worker path too
    client.force_login(alice)
    page = client.get(job_url("import_job", interrupted)).content.decode()
    assert "処理が中断されました。もう一度お試しください。" in page
    assert f'action="{job_url("import_retry", interrupted)}"' in page
    assert "誤りがあるため" not in page  # not the bad-data message
    response = client.post(job_url("import_retry", interrupted))
    again = ImportJob.objects.exclude(pk=interrupted.pk).get()
    assert response.status_code == 302 and response.url == job_url("import_job", again)
    assert (again.state, again.changed, again.filename) == ("done", 1, "plan.xlsx")
    assert PlanEntry.objects.get(pk=sheet[0].pk).remarks == "再実行"
    assert ImportJob.objects.get(pk=interrupted.pk).state == "failed"  # kept as it was


def test_a_retry_with_the_broker_down_says_so_and_creates_nothing(
    client, alice, interrupted, settings, broker_down
):
    settings.IMPORT_INLINE_MAX_ROWS = 0
    client.force_login(alice)
    response = client.post(job_url("import_retry", interrupted), follow=True)
    assert "処理を受け付けられませんでした" in response.content.decode()
    assert list(ImportJob.objects.values_list("pk", flat=True)) == [interrupted.pk]


def test_a_job_that_failed_on_its_data_is_not_retried(client, alice, interrupted):
    ImportJob.objects.filter(pk=interrupted.pk).update(failure="")
    client.force_login(alice)
    assert (
        "もう一度取り込む</button>"
        not in client.get(job_url("import_job", interrupted)).content.decode()
    )
    response = client.post(job_url("import_retry", interrupted))
    assert response.status_code == 302 and ImportJob.objects.count() == 1


def test_outsider_cannot_retry(client, bob, interrupted, sheet):
    client.force_login(bob)
    assert client.post(job_url("import_retry", interrupted)).status_code == 404
    assert client.get(job_url("import_job", interrupted)).status_code == 404
    assert ImportJob.objects.count() == 1
    assert PlanEntry.objects.get(pk=sheet[0].pk).remarks == ""
