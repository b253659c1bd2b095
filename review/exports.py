"""The late list as a file (.xlsx or .csv): every row the page's filters find, never cut short.

A small list (at most ``LATE_EXPORT_INLINE_ROWS`` flags) is written in the request. Anything
larger becomes a :class:`~review.models.LateExportJob` that a worker writes with progress
(:func:`run_job`), to a file in the media storage that its page then offers for download.
Without a broker (the embedded default) the job runs in-process during the request, and its
page shows the finished file.

Memory stays flat whatever the size: the flags are read organisation by organisation (a
keyset walk over organisation codes, :func:`pmo.keyset.chunks`), each chunk one short query
returning plain tuples, and written as they come: straight into the zip for .xlsx
(:mod:`pmo.xlsx_stream`), through a buffered text stream for .csv. The file is ordered by
organisation code and, within an organisation, by the page's sort; sorting all 1.34M open
flags at once spilled 600 MB to disk and held the result in a Python list.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from types import SimpleNamespace
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, pgettext

from actionplan import programmes
from actionplan.models import Programme
from orgs.models import MunicipalityClass, Organization, OrganizationKind
from pmo import jobs, keyset, xlsx, xlsx_stream
from review import rules, selectors
from review.filters import SORTS, LateFilter
from review.models import FollowUp, LateExportJob, Rule

# People read the file (no import reads it back): the headers are in the requester's language.
HEADERS = (
    gettext_lazy("団体コード"),
    gettext_lazy("都道府県"),
    gettext_lazy("団体名"),
    gettext_lazy("区分"),
    gettext_lazy("作業項目"),
    gettext_lazy("タスク"),
    gettext_lazy("対象システム"),
    gettext_lazy("遅延の種類"),
    gettext_lazy("遅延日数"),
    gettext_lazy("要フォローアップ"),
    gettext_lazy("承認済み"),
    gettext_lazy("初回検出日"),
    gettext_lazy("フォローアップ"),
)
SHEET_TITLE = gettext_lazy("遅延一覧")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": xlsx.XLSX_CONTENT_TYPE}
# Organisations per query: about 750 open flags each at national scale (1.34M / 1,788), so a
# chunk is some thousands of small tuples.
ORGANIZATIONS_PER_QUERY = 10
# The lease is renewed (and the progress shown) after every this many rows.
PROGRESS_EVERY = 5000
# The columns a line is made of, read as tuples (no model instances: a seventh of the memory).
# The follow-up state is the organisation's: read with the organisations, not per flag (a
# correlated subquery for each of 1.34M rows).
FIELDS = (
    "organization_id",
    "organization__code",
    "organization__prefecture__name",
    "organization__name",
    "organization__municipality_class",
    "organization__kind",
    "work_item__code",
    "work_item__name",
    "entry__task__name",
    "entry__system__name",
    "rule",
    "days",
    "significant",
    "approved",
    "first_seen",
)


class LeaseLost(Exception):
    """The job's lease expired (or its row was deleted) while it ran: stop, keep nothing."""


# --- The flags ---------------------------------------------------------------------------------


def late_filter(user, programme: Programme, on: dt.date, query: QueryDict) -> LateFilter:
    """The late page's filter for ``user`` as ``query`` asks (the programme is no filter), in a
    request or in a worker (the filter only reads the user from its request)."""
    data = query.copy()
    data.pop(programmes.PARAM, None)
    flags = selectors.late_flags(user, programme, selectors.scope_for(user, programme), on)
    return LateFilter(
        data or None, queryset=flags, request=SimpleNamespace(user=user), programme=programme
    )


def flags_of(filtered: LateFilter) -> QuerySet:
    """The filtered flags in the page's order (the default one when nothing is asked)."""
    if filtered.is_bound:
        return filtered.qs
    return filtered.queryset.order_by(*SORTS["org"])


def is_large(queryset: QuerySet) -> bool:
    """More flags than a request writes: one count of at most the threshold + 1 rows."""
    limit = settings.LATE_EXPORT_INLINE_ROWS
    # Unordered: a sliced count keeps the ORDER BY, which would sort every flag first.
    return queryset.order_by().values("pk")[: limit + 1].count() > limit


def lines(queryset: QuerySet, programme: Programme, *, chunked: bool = True) -> Iterator[tuple]:
    """Every flag of ``queryset`` as a line of the file, by organisation code and, within an
    organisation, in the queryset's order. ``chunked`` (the worker): a query per
    :data:`ORGANIZATIONS_PER_QUERY` organisations (one more per chunk of codes, which also
    reads their follow-up state: once per organisation, not per flag), so only a chunk is
    ever held; else two queries (a small list, in the request)."""
    within = [key for key in queryset.query.order_by if key != "organization__code"]
    ordered = queryset.order_by("organization__code", *within, "pk").values_list(*FIELDS)
    labels = _labels()
    organizations = Organization.objects.only("pk", "code").annotate(
        follow_up=selectors.follow_up_state(programme, "pk")
    )
    if not chunked:
        states = dict(organizations.values_list("pk", "follow_up").filter(follow_up__isnull=False))
        for row in ordered:
            yield _line(row, states.get(row[0]), labels)
        return
    for chunk in keyset.chunks(organizations, field="code", batch=ORGANIZATIONS_PER_QUERY):
        states = {org.pk: org.follow_up for org in chunk}
        for row in ordered.filter(organization_id__in=list(states)):
            yield _line(row, states[row[0]], labels)


def _labels() -> dict[str, dict]:
    """Display labels, in the active language, looked up per line without a query."""
    return {
        "class": {value: str(label) for value, label in MunicipalityClass.choices},
        "kind": {value: str(label) for value, label in OrganizationKind.choices},
        "rule": {value: str(label) for value, label in Rule.choices},
        "state": {value: str(label) for value, label in FollowUp.State.choices}
        | {None: pgettext("follow-up", "なし")},
    }


def _line(row: tuple, follow_up: str | None, labels: dict[str, dict]) -> tuple:
    (_org, code, prefecture, name, klass, kind, item_code, item_name, task, system) = row[:10]
    rule, days, significant, approved, first_seen = row[10:]
    return (
        code,
        prefecture or name,  # a prefecture's own flags: the prefecture is itself
        name,
        labels["class"].get(klass) or labels["kind"].get(kind, ""),
        f"{item_code}. {item_name}",
        task,
        system or "",
        labels["rule"].get(rule, rule),
        days,
        "○" if rules.needs_follow_up(significant, approved) else "",
        "○" if approved else "",
        first_seen.strftime("%Y/%m/%d"),
        labels["state"].get(follow_up) or labels["state"][None],
    )


# --- Writing -----------------------------------------------------------------------------------


def write(fmt: str, rows: Iterable[tuple], out: IO[bytes]) -> int:
    """Write the header and ``rows`` to ``out`` as ``fmt``; returns the number of rows."""
    return (write_csv if fmt == "csv" else write_xlsx)(rows, out)


def write_csv(rows: Iterable[tuple], out: IO[bytes]) -> int:
    """UTF-8 with a BOM (Excel reads it as such), CRLF, formulas defused; written through a
    buffer, so a row costs nothing once it is out."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    text.write("\ufeff")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([str(header) for header in HEADERS])
    count = 0
    for row in rows:
        writer.writerow([xlsx.csv_safe(value) for value in row])
        count += 1
    text.flush()
    text.detach()  # ``out`` stays open for the caller
    return count


def write_xlsx(rows: Iterable[tuple], out: IO[bytes]) -> int:
    """One sheet, each row written into the zip as it comes (:mod:`pmo.xlsx_stream`)."""
    headers = tuple(str(header) for header in HEADERS)
    return xlsx_stream.write_sheet(out, str(SHEET_TITLE), headers, rows)


def filename(programme: Programme, on: dt.date, fmt: str) -> str:
    return f"late-{programme.name}-{on:%Y%m%d}.{fmt}"


def run_job(job_id: int) -> None:
    """Write one queued export: claimed once with a conditional UPDATE (a deleted, taken or
    expired job is skipped), its lease renewed with each chunk of rows, the file kept only
    if the job is still ours at the end (:mod:`pmo.jobs`)."""
    if not jobs.claim(LateExportJob, job_id):
        return
    job = LateExportJob.objects.select_related("user", "programme").filter(pk=job_id).first()
    if job is None:
        return  # deleted since the claim
    try:
        # In the language of the person who asked for it (the worker has none of its own).
        with translation.override(job.language):
            _run(job)
    except LeaseLost:
        return
    except Exception:
        jobs.fail(LateExportJob, job_id)
        raise


def _run(job: LateExportJob) -> None:
    queryset = flags_of(late_filter(job.user, job.programme, job.on, QueryDict(job.query)))
    total = queryset.count()
    if not jobs.renew(LateExportJob, job.pk, total=total, percent=1):
        raise LeaseLost

    def progress(done: int) -> None:
        percent = max(1, min(99, done * 100 // max(total, 1)))
        if not jobs.renew(LateExportJob, job.pk, done=done, percent=percent):
            raise LeaseLost

    with tempfile.TemporaryFile() as out:
        count = write(job.fmt, counted(lines(queryset, job.programme), progress), out)
        out.seek(0)
        name = default_storage.save(
            f"exports/late/{job.pk}-{secrets.token_hex(8)}.{job.fmt}", File(out)
        )
    fields = {"percent": 100, "done": count, "total": count, "file": name}
    if not jobs.finish(LateExportJob, job.pk, jobs.DONE, finished_at=timezone.now(), **fields):
        default_storage.delete(name)  # expired or deleted meanwhile: nobody will ask for it


def counted(rows: Iterable[tuple], progress: Callable[[int], None]) -> Iterator[tuple]:
    """``rows`` unchanged, calling ``progress(rows so far)`` every :data:`PROGRESS_EVERY`."""
    for done, row in enumerate(rows, 1):
        yield row
        if done % PROGRESS_EVERY == 0:
            progress(done)


def purge(*, now: dt.datetime | None = None) -> int:
    """Delete export jobs older than ``LATE_EXPORT_KEEP_DAYS`` and their files (beat entry
    ``purge_late_exports``): a file holds every late organisation's names, and a national one
    is some hundred MB of the media storage (and its backups). Returns how many; a second run
    finds none."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.LATE_EXPORT_KEEP_DAYS)
    old = LateExportJob.objects.filter(created_at__lt=cutoff).exclude(
        state__in=(jobs.QUEUED, jobs.RUNNING)
    )
    count = 0
    for job in old.only("pk", "file").iterator():
        if job.file.name:
            default_storage.delete(job.file.name)
        count += LateExportJob.objects.filter(pk=job.pk).delete()[0]
    return count
