"""The late list's export: every row, whatever the size; a large one is a job its requester
alone reaches, claimed once, tolerant of a deleted row; the file streams from the storage."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from kombu.exceptions import OperationalError
from openpyxl import load_workbook

from review import exports, tasks
from review.models import DelayFlag, LateExportJob
from review.views import late as late_views
from tests.factories import FollowUpFactory, LateExportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def large(settings, monkeypatch):
    """Every export over two rows is a job, and each chunk one organisation: the few flags of
    the test data go through the worker's path, several chunks and progress steps."""
    settings.LATE_EXPORT_INLINE_ROWS = 2
    monkeypatch.setattr(exports, "ORGANIZATIONS_PER_QUERY", 1)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)


def _download(client, response) -> bytes:
    """Follow an export answer to its file: the job page (already done in-process), then its
    download link."""
    assert response.status_code == 302, response.status_code
    job = LateExportJob.objects.get()
    assert response.url == reverse("review:late_export_job", args=[job.pk])
    assert job.state == "done", (job.state, job.failure)
    page = client.get(response.url).content.decode()
    assert reverse("review:late_export_download", args=[job.pk]) in page
    file = client.get(reverse("review:late_export_download", args=[job.pk]))
    assert file.status_code == 200
    assert "attachment;" in file["Content-Disposition"]
    return b"".join(file.streaming_content)


def _rows(fmt: str, data: bytes) -> list[list]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [["" if value is None else value for value in row] for row in sheet.values]


def _open_flags() -> int:
    return DelayFlag.objects.filter(resolved_at=None).count()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_is_a_job_whose_file_holds_every_row(
    client, judged, coordinator, large, fmt
):
    assert not hasattr(late_views, "EXPORT_LIMIT")  # no cut left behind
    client.force_login(coordinator)
    rows = _rows(fmt, _download(client, client.get(reverse("review:late_export", args=[fmt]))))
    assert tuple(rows[0]) == exports.HEADERS
    flags = _open_flags()
    assert flags > 2  # more than the inline limit: the old in-request path would have cut here
    assert len(rows) - 1 == flags
    assert {row[0] for row in rows[1:]} == {"011002", "012025", "022012"}
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])  # by code
    job = LateExportJob.objects.get()
    assert (job.total, job.done, job.percent) == (flags, flags, 100)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_job_writes_the_same_file_as_the_request(
    client, judged, coordinator, settings, monkeypatch, fmt
):
    client.force_login(coordinator)
    url = reverse("review:late_export", args=[fmt])
    inline = client.get(url, {"sort": "days"})
    assert inline.status_code == 200
    settings.LATE_EXPORT_INLINE_ROWS = 0
    monkeypatch.setattr(exports, "ORGANIZATIONS_PER_QUERY", 2)
    by_job = _download(client, client.get(url, {"sort": "days"}))
    assert _rows(fmt, by_job) == _rows(fmt, inline.content)


def test_the_job_keeps_the_pages_filters(client, judged, coordinator, hokkaido, large):
    client.force_login(coordinator)
    asked = {"prefecture": hokkaido.pk, "rule": "no_plan"}
    page = client.get(reverse("review:late"), asked).context["page"]
    rows = _rows(
        "csv", _download(client, client.get(reverse("review:late_export", args=["csv"]), asked))
    )
    assert len(rows) - 1 == page.paginator.count > 2
    assert {row[1] for row in rows[1:]} == {"北海道"}
    assert {row[7] for row in rows[1:]} == {"計画未入力"}


def test_each_organisations_flags_follow_the_pages_sort(client, judged, coordinator, large):
    client.force_login(coordinator)
    response = client.get(reverse("review:late_export", args=["csv"]), {"sort": "-days"})
    rows = _rows("csv", _download(client, response))[1:]
    for code in {row[0] for row in rows}:
        days = [int(row[8]) for row in rows if row[0] == code]
        assert days == sorted(days)


def _job(user, programme, fmt="csv", **fields) -> LateExportJob:
    return LateExportJobFactory(user=user, programme=programme, fmt=fmt, **fields)


def _stored() -> list[str]:
    return default_storage.listdir("exports/late")[1] if default_storage.exists("exports") else []


def test_two_workers_write_one_file(judged, coordinator, large):
    job = _job(coordinator, judged)
    exports.run_job(job.pk)
    first = LateExportJob.objects.get(pk=job.pk)
    exports.run_job(job.pk)  # a second delivery of the same message
    again = LateExportJob.objects.get(pk=job.pk)
    assert (again.state, again.file.name, again.finished_at) == (
        "done",
        first.file.name,
        first.finished_at,
    )
    assert len(_stored()) == 1


def test_a_running_job_is_not_taken_by_another_worker(judged, coordinator):
    job = _job(coordinator, judged, state="running")
    exports.run_job(job.pk)
    assert LateExportJob.objects.get(pk=job.pk).state == "running"
    assert _stored() == []


def test_a_deleted_job_is_skipped(judged, coordinator):
    tasks.build_late_export.apply(args=[10**9]).get()  # never existed: no error


def test_a_job_deleted_while_it_runs_leaves_no_file(judged, coordinator, large, monkeypatch):
    job = _job(coordinator, judged)
    rows = exports.lines

    def deleting(queryset, programme):
        for number, row in enumerate(rows(queryset, programme)):
            if number == 1:
                LateExportJob.objects.filter(pk=job.pk).delete()
            yield row

    monkeypatch.setattr(exports, "lines", deleting)
    exports.run_job(job.pk)
    assert not LateExportJob.objects.exists()
    assert _stored() == []


def test_a_crash_fails_the_job_and_it_can_be_retried(
    client, judged, coordinator, large, monkeypatch
):
    job = _job(coordinator, judged, query="rule=no_plan")

    def broken(queryset, programme):
        raise RuntimeError("disk full")
        yield  # pragma: no cover

    monkeypatch.setattr(exports, "lines", broken)
    with pytest.raises(RuntimeError):
        exports.run_job(job.pk)
    failed = LateExportJob.objects.get(pk=job.pk)
    assert (failed.state, failed.failure, failed.file.name) == ("failed", "crashed", "")
    monkeypatch.undo()
    client.force_login(coordinator)
    page = client.get(reverse("review:late_export_job", args=[job.pk])).content.decode()
    assert reverse("review:late_export_retry", args=[job.pk]) in page
    assert client.get(reverse("review:late_export_download", args=[job.pk])).status_code == 404
    response = client.post(reverse("review:late_export_retry", args=[job.pk]))
    again = LateExportJob.objects.exclude(pk=job.pk).get()
    assert response.url == reverse("review:late_export_job", args=[again.pk])
    assert (again.state, again.query, again.fmt) == ("done", "rule=no_plan", "csv")


def test_the_job_and_its_file_are_the_requesters_own(
    client, judged, coordinator, reviewer, alice, large
):
    client.force_login(coordinator)
    _download(client, client.get(reverse("review:late_export", args=["xlsx"])))
    job = LateExportJob.objects.get()
    for outsider in (reviewer, alice):  # another reviewer, an organisation's staff
        client.force_login(outsider)
        for name in ("review:late_export_job", "review:late_export_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (outsider, name)
        assert client.post(reverse("review:late_export_retry", args=[job.pk])).status_code == 404
    assert LateExportJob.objects.count() == 1


def test_broker_down_says_so_on_the_list_and_leaves_no_job(
    client, judged, coordinator, large, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(tasks.build_late_export.app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.build_late_export, "apply_async", refuse)
    client.force_login(coordinator)
    response = client.get(
        reverse("review:late_export", args=["csv"]), {"rule": "no_plan"}, follow=True
    )
    url, _status = response.redirect_chain[-1]
    assert url.startswith(reverse("review:late") + "?") and "rule=no_plan" in url
    assert "処理を受け付けられませんでした" in response.content.decode()
    assert not LateExportJob.objects.exists()


def test_an_unknown_format_is_404(client, judged, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("review:late_export", args=["pdf"])).status_code == 404


def test_the_worker_reads_a_fixed_number_of_queries(
    judged, coordinator, large, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(exports, "ORGANIZATIONS_PER_QUERY", 100)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 10**6)
    exports.run_job(_job(coordinator, judged).pk)  # warm: whatever is cached per process
    job = _job(coordinator, judged, fmt="xlsx")
    # claim, the job, count, renew, the organisations, their flags, finish
    with django_assert_num_queries(7):
        exports.run_job(job.pk)
    assert LateExportJob.objects.get(pk=job.pk).state == "done"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_workbook(judged, coordinator, large, tmp_path):
    job = _job(coordinator, judged, fmt="xlsx")
    exports.run_job(job.pk)
    job.refresh_from_db()
    source = tmp_path / "late.xlsx"
    with job.file.open("rb") as stored:
        source.write_bytes(stored.read())
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (tmp_path / "out" / "late.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == exports.HEADERS
    assert len(rows) - 1 == _open_flags()


def test_old_exports_and_their_files_are_purged(judged, coordinator, large, settings):
    import datetime as dt

    from django.utils import timezone

    settings.LATE_EXPORT_KEEP_DAYS = 7
    old, recent = _job(coordinator, judged), _job(coordinator, judged)
    for job in (old, recent):
        exports.run_job(job.pk)
    running = _job(coordinator, judged, state="running")
    ago = timezone.now() - dt.timedelta(days=8)
    LateExportJob.objects.filter(pk__in=[old.pk, running.pk]).update(created_at=ago)
    assert exports.purge() == 1
    assert set(LateExportJob.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert _stored() == [LateExportJob.objects.get(pk=recent.pk).file.name.rsplit("/", 1)[1]]
    assert tasks.purge_late_exports.apply().get() == 0  # a second run finds none


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_small_export_in_the_request_reads_a_fixed_number_of_queries(
    client, judged, coordinator, django_assert_num_queries, fmt
):
    client.force_login(coordinator)
    url = reverse("review:late_export", args=[fmt])
    client.get(url)  # warm: whatever is cached per process
    # session, user, programme, the size check, follow-ups, the flags (whatever their number)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    assert len(_rows(fmt, response.content)) - 1 == _open_flags()


def test_the_worker_keeps_the_requesters_scope(client, judged, prefecture_admin, large):
    client.force_login(prefecture_admin)  # 北海道: its own municipalities only
    rows = _rows("csv", _download(client, client.get(reverse("review:late_export", args=["csv"]))))
    assert {row[0] for row in rows[1:]} == {"011002", "012025"}
    page = client.get(reverse("review:late")).context["page"]
    assert len(rows) - 1 == page.paginator.count


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(
    client, judged, coordinator, sapporo, large
):
    sapporo.name = "=HYPERLINK(1)"
    sapporo.save()
    client.force_login(coordinator)
    data = _download(client, client.get(reverse("review:late_export", args=["xlsx"])))
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]] == list(exports.HEADERS)
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    cells = [cell for cell in sheet["C"] if cell.value == "=HYPERLINK(1)"]
    assert cells and all(cell.data_type == "s" and cell.quotePrefix for cell in cells)
    assert all(isinstance(cell.value, int) for cell in sheet["I"][1:])  # 遅延日数: numbers


@pytest.mark.parametrize("threshold", [0, 10**6])  # by the worker, in the request
def test_each_line_names_its_organisations_follow_up(
    client, judged, coordinator, sapporo, settings, threshold
):
    FollowUpFactory(organization=sapporo, programme=judged, cause="vendor")
    settings.LATE_EXPORT_INLINE_ROWS = threshold
    client.force_login(coordinator)
    response = client.get(reverse("review:late_export", args=["csv"]), {"follow_up": "open"})
    data = _download(client, response) if threshold == 0 else response.content
    rows = _rows("csv", data)[1:]
    assert rows and {(row[0], row[12]) for row in rows} == {("011002", "対応依頼中")}
