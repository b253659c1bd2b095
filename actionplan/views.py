"""The plan page, in-place editing of its rows, history, advice and the Excel round trip.

Every view finds the organisation through the permission door: out of reach answers 404.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import permissions
from accounts.permissions import ADVISE, EDIT_PLAN, VIEW
from actionplan import excel, programmes, selectors, services, systems, tasks
from actionplan.forms import AdviceForm, EntryForm, SystemForm, UploadForm, initial_for
from actionplan.models import (
    Advice,
    ImportJob,
    OrganizationSystem,
    PlanEntry,
    TargetSystem,
    Task,
)
from actionplan.programmes import plan_link
from orgs.models import Organization
from pmo import as_of as as_of_dates
from pmo import jobs
from pmo.http import attachment
from pmo.xlsx import XLSX_CONTENT_TYPE

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from review import standing as review_standing


def _organization(request: HttpRequest, code: str, action: str = VIEW) -> Organization:
    queryset = Organization.objects.select_related("prefecture", "parent")
    return permissions.get_visible_or_404(request, queryset, action, code=code)


def _programme(request: HttpRequest):
    """``?programme=`` or the default one (actionplan.programmes); a bad value is 404."""
    return programmes.for_request(request)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def parse_as_of(value: str | None, programme=None) -> tuple[dt.datetime | None, str]:
    """``?as_of=YYYY-MM-DD`` as the end of that day (Tokyo), or an error message (a malformed
    date, a future one, one before the programme began)."""
    if not value:
        return None, ""
    day, error = as_of_dates.parse_day(value, starts_on=programme.starts_on if programme else None)
    if day is None:
        return None, error + gettext("現在の計画を表示しています。")
    end = dt.datetime.combine(day, dt.time.max)
    return timezone.make_aware(end), ""


# Target systems listed a page at a time (each has its rename and retire forms).
SYSTEMS_PAGE = 100


@login_required
@require_GET
def plan(request: HttpRequest, code: str) -> HttpResponse:
    organization = _organization(request, code)
    programme = _programme(request)
    as_of, as_of_error = parse_as_of(request.GET.get("as_of"), programme)
    # Entries exist from the moment the programme is published (actionplan.services.publish):
    # a page view never writes.
    can_edit = permissions.can(request.user, EDIT_PLAN, organization) and as_of is None
    advice = Advice.objects.filter(organization=organization, programme=programme)
    if as_of is not None:  # advice is never edited: what existed then is what was written by then
        advice = advice.filter(created_at__lte=as_of)
    # Only a programme with work done per target system (G) has a systems box.
    per_system = Task.objects.filter(work_item__programme=programme, per_system=True).exists()
    context = {
        "organization": organization,
        "plan_url": reverse("actionplan:plan", args=[organization.code]),
        "programme": programme,
        "plan": selectors.plan(
            organization,
            programme,
            as_of=as_of,
            paged=True,
            item=request.GET.get("item"),
            page=request.GET.get("page", 1),
        ),
        "as_of": as_of,
        "as_of_day": as_of.date() if as_of else None,
        "as_of_value": request.GET.get("as_of", ""),
        "as_of_error": as_of_error,
        "can_edit": can_edit,
        "can_advise": permissions.can(request.user, ADVISE, organization) and as_of is None,
        "advice": advice.select_related(
            "author", "author_organization__parent", "author_organization__prefecture"
        )[:20],
        "advice_form": AdviceForm(),
        "standing": review_standing.standing(request.user, organization, programme, as_of),
        "per_system": per_system,
        "system_form": SystemForm(),
        "shared_systems": TargetSystem.objects.filter(organization=None).values_list(
            "name", flat=True
        ),
        "systems": (
            # A count and one page: the page does not read all 1,661 systems of a long plan.
            Paginator(systems.systems_of(organization), SYSTEMS_PAGE).get_page(
                request.GET.get("systems_page", 1)
            )
            if per_system
            else None
        ),
        "today": timezone.localdate(),
    }
    return render(request, "actionplan/plan.html", context)


def _row(organization: Organization, programme, entry: PlanEntry) -> selectors.Row:
    row = selectors.row(organization, programme, entry)
    if row is None:
        raise Http404
    return row


def _entry(
    request: HttpRequest, organization: Organization, pk: int, action: str, *, save: bool = False
) -> PlanEntry:
    # The programme comes with it: each view needs it (three lazy reads otherwise). For a save,
    # all that services.save_entry reads too, so it need not read the entry a second time.
    queryset = PlanEntry.objects.filter(organization=organization).select_related(
        "task__work_item__programme"
    )
    if save:
        queryset = queryset.select_related("updated_by", "system").prefetch_related(
            "task__completion_items"
        )
    return permissions.get_visible_or_404(request, queryset, action, pk=pk)


@login_required
@require_GET
def entry_row(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = _organization(request, code)
    entry = _entry(request, organization, pk, VIEW)
    programme = entry.task.work_item.programme
    context = {
        "organization": organization,
        "plan_url": reverse("actionplan:plan", args=[organization.code]),
        "row": _row(organization, programme, entry),
        "can_edit": permissions.can(request.user, EDIT_PLAN, organization),
        "return_focus": True,  # back from the form (Esc / 取消): focus its 編集 link again
    }
    return render(request, "actionplan/_row.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = _organization(request, code)
    entry = _entry(request, organization, pk, EDIT_PLAN, save=request.method == "POST")
    programme = entry.task.work_item.programme
    row = _row(organization, programme, entry)
    questions = row.questions
    conflict, mine = None, []
    if request.method == "POST":
        form = EntryForm(request.POST, questions=questions)
        if form.is_valid():
            version = form.cleaned_data["version"]
            try:
                # No reads after the commit here: _saved reads the fresh row (and its
                # warnings) where a lost database can no longer turn the save into an error.
                result = services.save_entry(
                    request.user,
                    entry.pk,
                    form.entry_data(),
                    version,
                    entry=entry,
                    with_warnings=False,
                )
            except services.EntryInvalid as invalid:
                for name, message in invalid.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except services.ConflictError as error:
                if _own_save(request, error.current, form, version):
                    # The same save sent again (its answer was lost): it is already saved.
                    result = services.SaveResult(error.current, [], True)
                    return _saved(request, organization, programme, row, result)
                conflict = error
                mine = _typed(form, error.current)
                form = EntryForm(
                    initial=initial_for(error.current, questions),
                    questions=questions,
                )
            else:
                return _saved(request, organization, programme, row, result)
    else:
        form = EntryForm(initial=initial_for(entry, questions), questions=questions)
    form.flag_errors()
    context = {
        "mine": mine,
        "organization": organization,
        "programme": programme,
        "row": row,
        "form": form,
        "conflict": conflict,
        "can_edit": True,
    }
    template = "actionplan/_edit.html" if _is_htmx(request) else "actionplan/entry_page.html"
    return render(request, template, context)


def _typed(form: EntryForm, current: PlanEntry) -> list[tuple[StrOrPromise | None, object]]:
    """What this person typed that differs from the entry as it now is (shown on a conflict,
    so nothing they entered is lost from sight)."""
    typed = form.entry_data()
    return [
        (form.fields[name].label, value)
        for name, value in typed.items()
        if name in form.fields and value != getattr(current, name)
    ]


def _own_save(request, current: PlanEntry, form: EntryForm, version: int) -> bool:
    """A retried save: the entry is one version past what this person saw, they made that
    version, and it holds exactly the values they send now. Refusing it as a conflict would
    set them against their own save."""
    return (
        current.version == version + 1
        and current.updated_by_id == request.user.pk
        and services.values_of(current, form.entry_data()) == services.values_of(current)
    )


def _saved(
    request, organization, programme, row: selectors.Row, result: services.SaveResult
) -> HttpResponse:
    """The answer to a committed save. It must say "saved" whatever happens next: the fresh
    row and its warnings are read after the commit, and if the database fails there the row
    is shown from what was read before and written in the save, with a notice."""
    if not _is_htmx(request):
        messages.success(request, gettext("保存しました。"))
        where = selectors.place(result.entry)
        return redirect(plan_link(organization, programme, f"#entry-{result.entry.pk}", **where))
    stale = False
    try:  # the fresh row carries the warnings (milestone, dependencies) of the saved values
        fresh = _row(organization, programme, result.entry)
    except DatabaseError:
        stale = True
        fresh = dataclasses.replace(row, entry=result.entry)
        # The session's last-seen stamp would be written after this view, to the same lost
        # database, and turn the answer into an error; it can wait for the next request.
        request.session.modified = False
    context = {
        "organization": organization,
        "plan_url": reverse("actionplan:plan", args=[organization.code]),
        "row": fresh,
        "can_edit": True,
        "saved": result.changed or stale,
        "saved_stale": stale,
        "return_focus": True,
    }
    return render(request, "actionplan/_row.html", context)


@login_required
@require_GET
def entry_history(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = _organization(request, code)
    entry = _entry(request, organization, pk, VIEW)
    # From an as-of page: the changes made up to that day.
    as_of, _error = parse_as_of(request.GET.get("as_of"))
    context = {"entry": entry, "changes": selectors.history(entry, as_of=as_of)}
    return render(request, "actionplan/_history.html", context)


@login_required
@require_POST
def advice_add(request: HttpRequest, code: str) -> HttpResponse:
    organization = _organization(request, code, ADVISE)
    programme = _programme(request)
    form = AdviceForm(request.POST)
    if form.is_valid():
        try:
            services.add_advice(request.user, organization, programme, form.cleaned_data["body"])
        except services.EntryInvalid as invalid:
            messages.error(request, invalid.errors["body"])
        else:
            messages.success(request, gettext("助言を登録しました。"))
    else:
        messages.error(request, str(form.errors["body"][0]))
    return redirect(plan_link(organization, programme, "#advice"))


def _systems_box(request: HttpRequest, organization: Organization) -> str:
    return plan_link(organization, _programme(request), "#systems")


@login_required
@require_POST
def advice_acknowledge(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The organisation has read the advice (確認しました): it leaves the organisation's TOP.
    Its own staff only (those who may edit the plan); anyone else gets 404."""
    organization = _organization(request, code, EDIT_PLAN)
    queryset = Advice.objects.filter(organization=organization)
    advice = permissions.get_visible_or_404(request, queryset, EDIT_PLAN, pk=pk)
    if services.acknowledge_advice(request.user, advice):
        messages.success(request, gettext("助言を確認済みにしました。"))
    return redirect(plan_link(organization, _programme(request), "#advice"))


@login_required
@require_POST
def system_add(request: HttpRequest, code: str) -> HttpResponse:
    organization = _organization(request, code, EDIT_PLAN)
    programme = _programme(request)  # the plan page to return to
    form = SystemForm(request.POST)
    if form.is_valid():
        try:
            systems.add(request.user, organization, form.cleaned_data["system"], request=request)
        except services.EntryInvalid as invalid:
            messages.error(request, invalid.errors["system"])
        else:
            messages.success(request, gettext("対象システムを追加しました。"))
    else:
        messages.error(request, str(form.errors["system"][0]))
    return redirect(plan_link(organization, programme, "#systems"))


def _system_link(request: HttpRequest, organization: Organization, pk: int) -> OrganizationSystem:
    queryset = OrganizationSystem.objects.filter(organization=organization).select_related(
        "system", "organization"
    )
    return permissions.get_visible_or_404(request, queryset, EDIT_PLAN, pk=pk)


@login_required
@require_POST
def system_rename(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Rename one of the organisation's own target systems (a shared one: refused)."""
    organization = _organization(request, code, EDIT_PLAN)
    link = _system_link(request, organization, pk)
    try:
        old, new = systems.rename(request.user, link, request.POST.get("name", ""), request=request)
    except services.EntryInvalid as invalid:
        messages.error(request, invalid.errors["name"])
    else:
        messages.success(
            request,
            gettext("対象システムの名前を「%(old)s」から「%(new)s」に変更しました。")
            % {"old": old, "new": new},
        )
    return redirect(_systems_box(request, organization))


@login_required
@require_POST
def system_retire(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Retire (廃止) a target system: its entries stay, with their history, out of the figures
    from today. ``restore=1`` undoes it."""
    organization = _organization(request, code, EDIT_PLAN)
    link = _system_link(request, organization, pk)
    restoring = request.POST.get("restore") == "1"
    try:
        if restoring:
            systems.restore(request.user, link, request=request)
        else:
            systems.retire(request.user, link, request=request)
    except services.EntryInvalid as invalid:
        messages.error(request, invalid.errors["name"])
    else:
        message = (
            gettext("「%(name)s」を復元しました。計画の行は今日から再び集計されます。")
            if restoring
            else gettext(
                "「%(name)s」を廃止しました。計画の行と履歴は残り、今日から集計に含まれません。"
            )
        )
        messages.success(request, message % {"name": link.system.name})
    return redirect(_systems_box(request, organization))


@login_required
@require_GET
def plan_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    organization = _organization(request, code)
    programme = _programme(request)
    rows = selectors.plan(organization, programme).rows
    data = excel.export(organization, programme, rows)
    filename = f"plan-{organization.code}-{timezone.localdate():%Y%m%d}.xlsx"
    return attachment(data, filename, XLSX_CONTENT_TYPE)


@login_required
@require_http_methods(["GET", "POST"])
def plan_upload(request: HttpRequest, code: str) -> HttpResponse:
    organization = _organization(request, code, EDIT_PLAN)
    programme = _programme(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > excel.MAX_BYTES:
                raise excel.UploadRefused(
                    gettext("ファイルが大きすぎます（%(limit)sMBまで）。")
                    % {"limit": excel.MAX_BYTES // (1024 * 1024)}
                )
            data = upload.read()
            rows = excel.preflight(data, upload.name)
        except excel.UploadRefused as refused:
            form.add_error("file", str(refused))
        else:
            try:
                job = _start_import(request, organization, programme, upload.name, data, rows)
            except jobs.QueueUnavailable:
                form.add_error(None, jobs.BROKER_DOWN)
                status = 503
            else:
                return redirect("actionplan:import_job", code=organization.code, pk=job.pk)
    context = {"organization": organization, "programme": programme, "form": form}
    if form.errors and status == 200:
        status = 400
    return render(request, "actionplan/upload.html", context, status=status)


def _start_import(request, organization, programme, filename: str, data: bytes, rows: int):
    """Create the job and run it now (a few rows) or send it to a worker. Raises
    :class:`pmo.jobs.QueueUnavailable` (and leaves no job) if the broker is unreachable."""
    job = ImportJob.objects.create(
        organization=organization,
        programme=programme,
        user=request.user,
        filename=filename[:255],
        upload=data,
        total=rows,
    )
    if rows <= settings.IMPORT_INLINE_MAX_ROWS:
        excel.run_job(job.pk)
    else:
        # A large sheet goes to a worker; the job page shows its progress. The row is already
        # committed (autocommit), so the worker finds it whenever it takes the message.
        jobs.enqueue(tasks.import_plan, job)
    return job


def _job(request: HttpRequest, organization: Organization, pk: int) -> ImportJob:
    return permissions.get_visible_or_404(
        request, ImportJob.objects.filter(organization=organization), EDIT_PLAN, pk=pk
    )


@login_required
@require_GET
def import_job(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = _organization(request, code, EDIT_PLAN)
    job = _job(request, organization, pk)
    done, total = excel.job_progress(job)
    context = {
        "organization": organization,
        "job": job,
        "percent": min(int(done * 100 / total), 100) if total else 0,
        "running": job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING),
    }
    template = "actionplan/_job.html" if _is_htmx(request) else "actionplan/job.html"
    return render(request, template, context)


@login_required
@require_POST
def import_retry(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Run an interrupted import again, as a new job with the same file."""
    organization = _organization(request, code, EDIT_PLAN)
    job = _job(request, organization, pk)
    if not job.retryable:
        return redirect("actionplan:import_job", code=organization.code, pk=job.pk)
    try:
        again = _start_import(
            request, organization, job.programme, job.filename, bytes(job.upload), job.total
        )
    except jobs.QueueUnavailable:
        messages.error(request, jobs.BROKER_DOWN)
        return redirect("actionplan:import_job", code=organization.code, pk=job.pk)
    return redirect("actionplan:import_job", code=organization.code, pk=again.pk)


@login_required
@require_GET
def import_marked(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organization = _organization(request, code, EDIT_PLAN)
    job = _job(request, organization, pk)
    if not job.marked:
        raise Http404
    return attachment(bytes(job.marked), f"errors-{organization.code}.xlsx", XLSX_CONTENT_TYPE)
