"""Review pages: national status, drill-down, the late list and its export, the check flow,
follow-ups (both sides), approvals, the meeting report and the open-data CSV.

Every view asks :mod:`accounts.permissions`: the national pages need the global REVIEW action
(prefecture admins see their prefecture, reviewers the work items of their bureau); an
organisation's pages need VIEW/FOLLOW_UP on it. Anything out of reach answers 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import audit, permissions
from accounts.permissions import FOLLOW_UP, REVIEW, VIEW
from actionplan import programmes
from actionplan.models import Task
from orgs.models import Organization, OrganizationKind
from pmo import jobs, wareki
from pmo.http import attachment
from pmo.sheets import cell_int
from pmo.xlsx import XLSX_CONTENT_TYPE
from review import by_organization, export_views, reports, rollups, selectors, services, tasks
from review.filters import LateFilter
from review.forms import ApprovalForm, FollowUpForm, NoteForm, RouteForm, VerdictForm, parse_as_of
from review.models import (
    ApprovedException,
    DelayFlag,
    FollowUp,
    LateExportJob,
    MinistryReview,
    PlanCheck,
    ReportJob,
    Rule,
)
from review.rules import APPROVABLE, RULES

PAGE_SIZE = 50


def _programme(request: HttpRequest):
    """``?programme=`` or the default one (actionplan.programmes); a bad value is 404."""
    return programmes.for_request(request)


def _in(programme, url: str) -> str:
    """``url`` in ``programme``: every link and redirect names the programme it came from."""
    return f"{url}?{programmes.PARAM}={programme.pk}"


def _filters(request: HttpRequest):
    """The page's filters: the query without the programme (which is not a filter), or
    ``None`` when nothing else is asked, so a page named by programme alone is unfiltered."""
    data = request.GET.copy()
    data.pop(programmes.PARAM, None)
    return data or None


def _query(request: HttpRequest, programme) -> QueryDict:
    """The query for the view switch, export and reminder links: the filters and the programme,
    no page (the pager keeps the address itself: templates/includes/pager.html)."""
    query = request.GET.copy()
    query.pop("page", None)
    query[programmes.PARAM] = str(programme.pk)
    return query


def _reviewer(request: HttpRequest):
    """The national pages: REVIEW, else 404 (audited)."""
    permissions.require(request, REVIEW)
    programme = _programme(request)
    return programme, selectors.scope_for(request.user, programme)


def _organization(request: HttpRequest, code: str, action: str = VIEW) -> Organization:
    queryset = Organization.objects.select_related("prefecture", "parent")
    return permissions.get_visible_or_404(request, queryset, action, code=code)


def _refuse_out_of_reach(request: HttpRequest, form, field: str, action: str) -> None:
    """A POSTed choice the form does not offer (another bureau's work item or task, or an id
    made up) is a refusal like any other: 404, recorded in the audit trail, nothing saved."""
    if request.method == "POST" and form.has_error(field, "invalid_choice"):
        raise permissions.denied(request, action, {field: request.POST.get(field, "")})


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """National status by work item and by prefecture, from the rollup (a fixed number of
    queries whatever the number of organisations)."""
    if not permissions.can(request.user, REVIEW) and request.user.organization_id:
        # The organisation side has its own page (its delays, follow-ups, plan checks).
        url = reverse("review:organization", args=[request.user.organization.code])
        asked = request.GET.get(programmes.PARAM)  # checked there, like any other value
        return redirect(
            f"{url}?{urlencode({programmes.PARAM: asked})}" if asked is not None else url
        )
    programme, scope = _reviewer(request)
    items = selectors.work_items(programme, scope)
    prefs = selectors.prefectures(scope)
    by_item, total = rollups.summarize(
        programme,
        "work_item",
        {item.pk: str(item) for item in items},
        prefecture_id=scope.prefecture_id,
        work_item_ids=scope.work_item_ids,
    )
    by_pref, _ = rollups.summarize(
        programme,
        "prefecture",
        {pref.pk: pref.name for pref in prefs},
        prefecture_id=scope.prefecture_id,
        work_item_ids=scope.work_item_ids,
    )
    # 団体, not flags: who needs a follow-up (one query, distinct organisations).
    organizations = by_organization.significant_organizations(programme, scope)
    for line in by_item:
        line.significant_organizations = organizations.by_work_item.get(line.key, 0)
    for line in by_pref:
        line.significant_organizations = organizations.by_prefecture.get(line.key, 0)
    total.significant_organizations = organizations.total
    codes = {pref.pk: pref.code for pref in prefs}
    rule_labels = dict(Rule.choices)
    charts = {
        "workItems": {
            "labels": [line.label for line in by_item],
            "rate": [line.rate or 0 for line in by_item],
            "weighted": [line.weighted_rate or 0 for line in by_item],
        },
        "prefectures": {
            "labels": [line.label for line in by_pref],
            "rate": [line.rate or 0 for line in by_pref],
            "weighted": [line.weighted_rate or 0 for line in by_pref],
        },
        "rules": {
            "labels": [str(rule_labels[rule]) for rule in RULES],
            "counts": [total.by_rule.get(rule, 0) for rule in RULES],
        },
    }
    return render(
        request,
        "review/index.html",
        {
            "programme": programme,
            "scope": scope,
            "by_item": by_item,
            "by_pref": [(line, codes[line.key]) for line in by_pref],
            "total": total,
            "rules": [(rule, rule_labels[rule], total.by_rule.get(rule, 0)) for rule in RULES],
            "formula": rollups.FORMULA,
            "weighted_formula": rollups.WEIGHTED_FORMULA,
            "charts": charts,
            "today": timezone.localdate(),
            "assigned": selectors.assigned_lines(request.user, programme, scope),
        },
    )


@login_required
@require_GET
def prefecture(request: HttpRequest, code: str) -> HttpResponse:
    programme, scope = _reviewer(request)
    pref = _organization(request, code)
    if pref.kind != OrganizationKind.PREFECTURE or (
        scope.prefecture_id is not None and pref.pk != scope.prefecture_id
    ):
        raise permissions.denied(request, REVIEW, pref)
    lines = by_organization.prefecture_lines(request.user, programme, pref, scope)
    assigned = selectors.assigned_ids(request.user)  # a reviewer's 担当 first
    lines.sort(key=lambda line: line.organization.pk not in assigned)
    return render(
        request,
        "review/prefecture.html",
        {
            "programme": programme,
            "prefecture": pref,
            "lines": lines,
            "assigned_ids": assigned,
            "summary": selectors.PrefectureSummary.of(lines),
        },
    )


@login_required
@require_GET
def organization(request: HttpRequest, code: str) -> HttpResponse:
    """One organisation's delays, approvals, follow-ups and plan checks (both sides)."""
    org = _organization(request, code)
    programme = _programme(request)
    on = timezone.localdate()
    user = request.user
    # Through the door: a reviewer sees the delays, approvals and follow-ups of its work items.
    flags = list(permissions.visible(user, selectors.organization_flags(org, programme, on)))
    follow_ups = list(
        permissions.visible(user, FollowUp.objects.filter(organization=org, programme=programme))
        .select_related("work_item", "opened_by_organization")
        .order_by("-created_at")
    )
    check = PlanCheck.objects.filter(organization=org, programme=programme).first()
    reviews = list(check.reviews.select_related("ministry__parent", "reviewed_by")) if check else []
    approvals = list(
        permissions.visible(
            user,
            ApprovedException.objects.filter(
                organization=org, task__work_item__programme=programme
            ),
        )
        .select_related("task__work_item", "system", "approved_by_organization")
        .order_by("task__work_item__order", "task__order", "system__name")
    )
    may_follow_up = permissions.can(user, FOLLOW_UP, org)
    return render(
        request,
        "review/organization.html",
        {
            "organization": org,
            "programme": programme,
            "flags": flags,
            # Flags (判定) and the entries (計画の行) they sit on, apart: one entry may carry
            # several rules (from the list above, no query).
            "flag_counts": {
                "flags": len(flags),
                "entries": len({flag.entry_id for flag in flags}),
                "significant": sum(1 for f in flags if f.significant and not f.approved),
                "approved": sum(1 for f in flags if f.approved),
            },
            "significant": any(f.significant and not f.approved for f in flags),
            "follow_ups": follow_ups,
            "check": check,
            "reviews": reviews,
            "approvals": selectors.approval_scopes(approvals, flags),
            "covered_rules": [str(Rule(rule).label) for rule in RULES if rule in APPROVABLE],
            "may_follow_up": may_follow_up,
            "may_approve": may_follow_up and permissions.can(user, permissions.APPROVE),
            "may_check": permissions.can(user, REVIEW)
            and permissions.can(user, permissions.CHECK_PLANS),
        },
    )


# --- The late list -----------------------------------------------------------------------------


def _late_filter(request: HttpRequest, programme, scope):
    on = timezone.localdate()
    flags = selectors.late_flags(request.user, programme, scope, on)
    return LateFilter(_filters(request), queryset=flags, request=request, programme=programme)


@login_required
@require_GET
def late(request: HttpRequest) -> HttpResponse:
    programme, scope = _reviewer(request)
    filtered = _late_filter(request, programme, scope)
    queryset = (
        filtered.qs
        if filtered.is_bound
        else filtered.queryset.order_by("organization__code", "work_item__order", "rule")
    )
    by_org = request.GET.get("by") == "org"
    first = selectors.assigned_first(request.user)  # a reviewer's 担当 first
    data = filtered.form.cleaned_data if filtered.is_bound and filtered.form.is_valid() else {}
    if by_org and (not filtered.is_bound or data) and by_organization.serves(data):
        # Who is late, from the per-organisation rollup: never the open flags grouped.
        page = by_organization.late_page(
            request.user,
            programme,
            scope,
            data,
            request.GET.get("page"),
            on=timezone.localdate(),
            first=first,
        )
    elif by_org:  # a filter on the flags' own values: the matching flags grouped
        page = selectors.late_organizations(
            queryset, programme, request.GET.get("page"), sort=data.get("sort", ""), first=first
        )
    elif (not filtered.is_bound or data) and by_organization.serves_flag_page(data, first=first):
        # An organisation-first sort: the rollup says which organisations a page falls in.
        page = by_organization.flag_page(
            request.user, programme, scope, data, queryset, request.GET.get("page"),
            per_page=PAGE_SIZE,
        )  # fmt: skip
        page.object_list = _flag_rows(queryset, list(page.object_list))
    else:
        if first is not None:
            ordering = queryset.query.order_by or DelayFlag._meta.ordering
            queryset = queryset.order_by(first, *ordering)
        page = _flag_page(queryset, request.GET.get("page"))
    query = _query(request, programme)
    other = query.copy()
    other.pop("by", None)
    if not by_org:
        other["by"] = "org"
    return render(
        request,
        "review/late.html",
        {
            "programme": programme,
            "filter": filtered,
            "page": page,
            "by_org": by_org,
            "query": query.urlencode(),
            "other_view": other.urlencode(),
            "assigned_ids": selectors.assigned_ids(request.user),
        },
    )


def _flag_page(queryset, number):
    """A page of flags in two steps: the page's ids first (the sort reads only the columns it
    orders by), then those rows with everything the table shows. Sorting the full join of
    every open flag for one page took 1.1 s at 107k entries."""
    page = Paginator(queryset.values_list("pk", flat=True), PAGE_SIZE).get_page(number)
    page.object_list = _flag_rows(queryset, list(page.object_list))
    return page


def _flag_rows(queryset, ids: list[int]) -> list:
    """The flags of ``ids`` with everything the table shows, in that order (one query)."""
    rows = {flag.pk: flag for flag in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids]


@login_required
@require_GET
def late_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The late list as .xlsx or .csv, every row (:mod:`review.exports`: a large one is a job)."""
    programme, _scope = _reviewer(request)
    if fmt not in LateExportJob.Format.values:
        raise Http404
    return export_views.respond(request, programme, fmt)


# --- Follow-ups --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_new(request: HttpRequest, code: str) -> HttpResponse:
    org = _organization(request, code, FOLLOW_UP)
    programme = _programme(request)
    # Only the work items the user may follow up (a reviewer: its bureau's); a reviewer must
    # name one, since a follow-up on no work item would be on all of them.
    work_items = permissions.work_items(request.user, FOLLOW_UP, programme)
    form = FollowUpForm(
        request.POST or None,
        work_items=work_items,
        require_work_item=permissions.work_item_ids(request.user, programme, FOLLOW_UP) is not None,
    )
    _refuse_out_of_reach(request, form, "work_item", FOLLOW_UP)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            follow_up = services.open_follow_up(
                request.user,
                org,
                programme,
                cause=data["cause"],
                actions=data["actions"],
                due_on=data["due_on"],
                work_item=data["work_item"],
            )
            audit.record(
                audit.Kind.CONTENT,
                request=request,
                organization=org,
                target=follow_up,
                detail="フォローアップを起票",
            )
        messages.success(request, gettext("フォローアップを登録しました。団体に表示されます。"))
        return redirect("review:follow_up", pk=follow_up.pk)
    return render(
        request,
        "review/follow_up_new.html",
        {"organization": org, "programme": programme, "form": form},
    )


@login_required
@require_GET
def follow_ups(request: HttpRequest) -> HttpResponse:
    """Follow-ups the user may see; ``?state=`` narrows by state, ``?mine=1`` to those the
    user's organisation opened (TOP links here for answers to read)."""
    programme = _programme(request)
    queryset = selectors.follow_ups_for(request.user, programme)
    state = request.GET.get("state", "")
    if state in FollowUp.State.values:
        queryset = queryset.filter(state=state)
    mine = request.GET.get("mine") == "1"
    if mine:
        queryset = queryset.filter(opened_by_organization_id=request.user.organization_id)
    # 年度 of the 対応期限 (due date): the fiscal year the answer is expected in.
    years = selectors.fiscal_years(programme)
    year = request.GET.get("fiscal_year", "")
    year_error = ""
    if year in {str(value) for value, _label in years}:
        first, last = wareki.fiscal_year_bounds(int(year))
        queryset = queryset.filter(due_on__gte=first, due_on__lte=last)
    elif year:
        year_error = gettext("年度は一覧から選んでください。")
        year = ""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/follow_ups.html",
        {
            "programme": programme,
            "page": page,
            "states": FollowUp.State.choices,
            "state": state,
            "mine": mine,
            "years": years,
            "year": year,
            "year_error": year_error,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    queryset = FollowUp.objects.select_related(
        "organization__prefecture", "work_item", "opened_by", "opened_by_organization"
    )
    item = permissions.get_visible_or_404(request, queryset, VIEW, pk=pk)
    user = request.user
    organization_side = user.organization_id == item.organization_id
    # On the follow-up itself, not its organisation: a reviewer writes only on its work items.
    reviewing_side = permissions.can(user, FOLLOW_UP, item)
    form = NoteForm(request.POST or None)
    if request.method == "POST":
        if not (organization_side or reviewing_side):
            raise permissions.denied(request, FOLLOW_UP, item)
        if form.is_valid():
            with transaction.atomic():
                services.add_note(
                    user,
                    item,
                    form.cleaned_data["body"],
                    organization_side=organization_side,
                    close=reviewing_side and form.cleaned_data["close"],
                )
                audit.record(
                    audit.Kind.CONTENT,
                    request=request,
                    organization=item.organization,
                    target=item,
                    detail="フォローアップに記録を追加",
                )
            messages.success(request, gettext("記録を追加しました。"))
            return redirect("review:follow_up", pk=item.pk)
    notes = item.notes.select_related("author", "author_organization")
    return render(
        request,
        "review/follow_up.html",
        {
            "item": item,
            "notes": notes,
            "form": form,
            "may_write": organization_side or reviewing_side,
            "reviewing_side": reviewing_side and not organization_side,
        },
    )


# --- Approvals ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, code: str) -> HttpResponse:
    org = _organization(request, code, FOLLOW_UP)
    if not permissions.can(request.user, permissions.APPROVE):
        raise permissions.denied(request, FOLLOW_UP, org)
    programme = _programme(request)
    # The organisation's tasks on the work items the user may follow up (a reviewer: its
    # bureau's), so the choices and what a POST may name are the same set.
    tasks_qs = (
        Task.objects.filter(
            work_item__in=permissions.work_items(request.user, FOLLOW_UP, programme).values("pk"),
            entries__organization=org,
        )
        .distinct()
        .select_related("work_item")
    )
    systems = selectors.approval_systems(org, tasks_qs)
    form = ApprovalForm(request.POST or None, tasks=tasks_qs, systems=systems)
    _refuse_out_of_reach(request, form, "task", FOLLOW_UP)
    if systems is not None:
        _refuse_out_of_reach(request, form, "system", FOLLOW_UP)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        system = data.get("system")
        try:
            with transaction.atomic():
                exception = services.approve(
                    request.user,
                    org,
                    data["task"],
                    data["approved_until"],
                    data["reason"],
                    data["note"],
                    system=system,
                )
                scope = f"（{system.name}）" if system else ""
                audit.record(
                    audit.Kind.CONTENT,
                    request=request,
                    organization=org,
                    target=exception,
                    detail=f"期日延長を承認 {data['task']}{scope} "
                    f"{data['approved_until']} {data['reason']}",
                )
        except services.Invalid as invalid:
            for name, message in invalid.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(
                request, gettext("期日の延長を承認しました。承認済みの遅延として別に集計されます。")
            )
            return redirect(_in(programme, reverse("review:organization", args=[org.code])))
    # What the approval will cover: the chosen task's entries (or every candidate's), each
    # with its open flags and whether a later date explains them.
    source = request.POST if request.method == "POST" else request.GET
    coverage = selectors.approval_coverage(
        request.user,
        org,
        tasks_qs,
        task_id=cell_int(source.get("task")),
        system_id=cell_int(source.get("system")),
        on=timezone.localdate(),
    )
    return render(
        request,
        "review/approve.html",
        {
            "organization": org,
            "programme": programme,
            "form": form,
            "coverage": coverage,
            "covered_rules": [str(Rule(rule).label) for rule in RULES if rule in APPROVABLE],
            "uncovered_rules": [str(Rule(rule).label) for rule in RULES if rule not in APPROVABLE],
        },
    )


# --- The check flow ----------------------------------------------------------------------------


@login_required
@require_GET
def checks(request: HttpRequest) -> HttpResponse:
    programme, _scope = _reviewer(request)
    rows = selectors.checks_for(request.user, programme)
    ministry = permissions.can(request.user, permissions.ANSWER_AS_MINISTRY)
    wanted = request.GET.get("state", "")
    if not ministry and wanted in PlanCheck.State.values:
        rows = rows.filter(check_state=wanted)
    elif not ministry and wanted == "none":
        rows = rows.filter(check_state=None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "review/checks.html",
        {
            "programme": programme,
            "page": page,
            "ministry": ministry,
            "states": PlanCheck.State.choices,
            "state": wanted,
        },
    )


def _bureaus(programme):
    return (
        Organization.objects.filter(
            kind=OrganizationKind.MINISTRY, responsible_work_items__programme=programme
        )
        .distinct()
        .select_related("parent")
        .order_by("code")
    )


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, code: str) -> HttpResponse:
    programme, _scope = _reviewer(request)
    org = _organization(request, code, VIEW)
    user = request.user
    current = PlanCheck.objects.filter(organization=org, programme=programme).first()
    mine = None
    if current and permissions.can(user, permissions.ANSWER_AS_MINISTRY):
        mine = current.reviews.filter(ministry_id=user.organization_id).first()
    is_coordinator = permissions.can(user, permissions.ROUTE_CHECKS)
    route_form = RouteForm(
        request.POST if request.POST.get("action") == "route" else None,
        ministries=_bureaus(programme),
        initial={"ministries": list(_bureaus(programme))},
    )
    verdict_form = VerdictForm(
        request.POST if request.POST.get("action") == "verdict" else None,
        initial={
            "verdict": mine.verdict if mine else None,
            "comment": mine.comment if mine else "",
        },
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "route" and is_coordinator and route_form.is_valid():
            with transaction.atomic():
                services.route_check(
                    user,
                    org,
                    programme,
                    list(route_form.cleaned_data["ministries"]),
                    route_form.cleaned_data["comment"],
                )
                audit.record(
                    audit.Kind.CONTENT,
                    request=request,
                    organization=org,
                    detail="計画を確認し府省庁に依頼",
                )
            messages.success(request, gettext("計画を確認し、府省庁に確認を依頼しました。"))
            return redirect(_in(programme, reverse("review:check", args=[org.code])))
        if action == "verdict" and mine is not None and verdict_form.is_valid():
            try:
                with transaction.atomic():
                    services.review_check(
                        user,
                        mine,
                        verdict_form.cleaned_data["verdict"],
                        verdict_form.cleaned_data["comment"],
                    )
                    audit.record(
                        audit.Kind.CONTENT,
                        request=request,
                        organization=org,
                        detail=f"計画の妥当性 {verdict_form.cleaned_data['verdict']}",
                    )
            except services.Invalid as invalid:
                for name, message in invalid.errors.items():
                    verdict_form.add_error(name, message)
            else:
                messages.success(request, gettext("確認結果を登録しました。団体に表示されます。"))
                return redirect(_in(programme, reverse("review:check", args=[org.code])))
        elif (
            action not in ("route", "verdict")
            or (action == "route" and not is_coordinator)
            or (action == "verdict" and mine is None)
        ):
            raise permissions.denied(request, REVIEW, org)
    reviews = (
        list(current.reviews.select_related("ministry__parent", "reviewed_by")) if current else []
    )
    return render(
        request,
        "review/check.html",
        {
            "organization": org,
            "programme": programme,
            "current": current,
            "reviews": reviews,
            "mine": mine,
            "is_coordinator": is_coordinator,
            "route_form": route_form,
            "verdict_form": verdict_form,
            "verdicts": MinistryReview.Verdict,
        },
    )


# --- Meeting report and open data -------------------------------------------------------------


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    programme, scope = _reviewer(request)
    on, error = parse_as_of(request.GET.get("as_of"), programme)
    back = _in(programme, reverse("review:index"))
    if error:
        messages.error(request, error)
        return redirect(back)
    if reports.is_large(programme, on):
        return _start_report(request, programme, on, back=redirect(back))
    data = reports.build(programme, on, scope)
    return _xlsx(data, report_filename(programme, on))


def _start_report(request: HttpRequest, programme, on, *, back: HttpResponse) -> HttpResponse:
    """Queue a report job and show its page; with the broker unreachable, say so on ``back``
    (no job is left behind)."""
    job = ReportJob.objects.create(user=request.user, programme=programme, as_of=on)
    try:
        jobs.enqueue(tasks.build_report, job)  # the row is committed: views run in autocommit
    except jobs.QueueUnavailable:
        messages.error(request, jobs.BROKER_DOWN)
        return back
    return redirect("review:report_job", pk=job.pk)


def _own_report(request: HttpRequest, pk: int, **fields) -> ReportJob:
    permissions.require(request, REVIEW)
    try:
        return (
            ReportJob.objects.defer("result")
            .select_related("programme")
            .get(pk=pk, user=request.user, **fields)
        )
    except ReportJob.DoesNotExist:
        raise permissions.denied(request, REVIEW, {"report_job": pk}) from None


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    return attachment(data, filename, XLSX_CONTENT_TYPE)


def report_filename(programme, on) -> str:
    """The report names its programme: two programmes' reports of one day stay apart."""
    return f"report-{programme.name}-{on:%Y%m%d}.xlsx"


@login_required
@require_GET
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_report(request, pk)
    if request.GET.get("download") and job.state == ReportJob.State.DONE:
        data = ReportJob.objects.values_list("result", flat=True).get(pk=pk)
        return _xlsx(bytes(data), report_filename(job.programme, job.as_of))
    template = (
        "review/_report_job.html" if request.headers.get("HX-Request") else "review/report_job.html"
    )
    return render(request, template, {"job": job})


@login_required
@require_POST
def report_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Build an interrupted report again, as a new job for the same date."""
    job = _own_report(request, pk)
    back = redirect("review:report_job", pk=job.pk)
    if not job.retryable:
        return back
    return _start_report(request, job.programme, job.as_of, back=back)


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """The national aggregates as CSV for anyone, signed in or not (open data): the whole
    country whatever the user's own scope, and nothing below the prefecture."""
    permissions.require(request, permissions.OPEN_DATA)
    programme = _programme(request)
    on = timezone.localdate()
    text = reports.cached_open_data_csv(programme, on)
    data = ("\ufeff" + text).encode()
    return attachment(data, f"national-{programme.name}-{on:%Y%m%d}.csv", "text/csv; charset=utf-8")


def plan_url(org: Organization) -> str:
    return reverse("actionplan:plan", args=[org.code])


# --- Who hasn't started? (its own block) -------------------------------------------------------


def _not_begun(request: HttpRequest):
    """The not-started list as the query string asks for it: (programme, form, the
    organisations, the prefectures in scope, the state asked). A fixed number of queries."""
    from review.forms import NotBegunForm

    programme, scope = _reviewer(request)
    prefs = selectors.prefectures(scope)
    items = selectors.work_items(programme, scope)
    form = NotBegunForm(_filters(request), prefectures=prefs, work_items=items)
    filters: dict = {}
    if form.is_valid():
        data = form.cleaned_data
        by_code = {pref.code: pref.pk for pref in prefs}
        filters = {
            "state": data["state"] or selectors.NOT_ENTERED,
            "prefecture_id": by_code.get(data["prefecture"]),
            "municipality_class": data["municipality_class"],
            "work_item_id": int(data["work_item"]) if data["work_item"] else None,
        }
    organizations = selectors.not_begun(request.user, programme, scope, **filters)
    return programme, form, organizations, prefs, filters.get("state", selectors.NOT_ENTERED)


@login_required
@require_GET
def not_started(request: HttpRequest) -> HttpResponse:
    """Organisations that have entered nothing (or not started anything) yet, by prefecture,
    class and work item, within the user's review scope. A fixed number of queries."""
    programme, form, organizations, prefs, state = _not_begun(request)
    counts = selectors.count_by_prefecture(organizations)
    page = Paginator(organizations, PAGE_SIZE).get_page(request.GET.get("page"))
    query = _query(request, programme)
    return render(
        request,
        "review/not_started.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "by_prefecture": [(pref, counts[pref.pk]) for pref in prefs if counts.get(pref.pk)],
            "query": query.urlencode(),
            # Reminders are for those who have entered nothing (and only where one may send).
            "can_remind": state == selectors.NOT_ENTERED
            and permissions.can(request.user, permissions.REMIND),
        },
    )


@login_required
@require_POST
def remind(request: HttpRequest) -> HttpResponse:
    """Remind the organisations ticked on the not-started list (``organizations``: codes) or,
    with ``all``, every one the list's filters (the query string) find, to enter their plan.
    A code out of the user's reach (or not on the list) is a refusal: 404, audited, nothing
    sent. One reminder per organisation and day; each one sent is audited."""
    from review import reminders

    permissions.require(request, permissions.REMIND)
    programme, _form, organizations, _prefs, state = _not_begun(request)
    back = redirect(reverse("review:not_started") + "?" + _query(request, programme).urlencode())
    if state != selectors.NOT_ENTERED:
        raise permissions.denied(request, permissions.REMIND, {"state": state})
    reachable = permissions.visible(request.user, organizations, permissions.REMIND)
    if request.POST.get("all") != "1":
        codes = set(request.POST.getlist("organizations"))
        if not codes:
            messages.error(request, gettext("督促する団体を選んでください。"))
            return back
        chosen = reachable.filter(code__in=codes)
        if len(codes) != chosen.count():
            raise permissions.denied(request, permissions.REMIND, {"organizations": sorted(codes)})
        reachable = chosen
    try:
        with transaction.atomic():
            result = reminders.remind(request.user, reachable, programme)
            for organization in result.sent:
                audit.record(
                    audit.Kind.CONTENT,
                    request=request,
                    organization=organization,
                    target=organization,
                    detail=f"計画の入力を督促（{programme.name}）",
                )
    except reminders.AlreadyReminding:
        messages.error(request, gettext("同時に別の督促が送られました。もう一度お試しください。"))
        return back
    sent = len(result.sent)
    text = ngettext(
        "%(n)s 団体に計画の入力を督促しました。",
        "%(n)s 団体に計画の入力を督促しました。",
        sent,
    ) % {"n": sent}
    if result.already:
        text += " " + ngettext(
            "%(n)s 団体は本日すでに督促済みのため送っていません。",
            "%(n)s 団体は本日すでに督促済みのため送っていません。",
            result.already,
        ) % {"n": result.already}
    messages.success(request, text)
    return back


@login_required
@require_POST
def check_revised(request: HttpRequest, code: str) -> HttpResponse:
    """The organisation reports that it revised its plan after a 要修正 (修正を報告): those
    ministries check it again. Those who may edit the plan only; anyone else gets 404."""
    org = _organization(request, code, permissions.EDIT_PLAN)
    programme = _programme(request)
    try:
        reopened = services.report_revised(
            request.user, org, programme, request.POST.get("comment", "")[:2000]
        )
    except services.Invalid as invalid:
        messages.error(request, invalid.errors["check"])
    else:
        messages.success(
            request,
            ngettext(
                "修正を報告しました。%(n)s 府省庁に再確認を依頼しました。",
                "修正を報告しました。%(n)s 府省庁に再確認を依頼しました。",
                reopened,
            )
            % {"n": reopened},
        )
    return redirect(programmes.plan_link(org, programme, "#standing"))


@login_required
@require_POST
def approval_acknowledge(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The organisation has read an approved later date (確認しました): it leaves the
    organisation's TOP. Those who may edit the plan only; anyone else gets 404."""
    org = _organization(request, code, permissions.EDIT_PLAN)
    # The organisation's own approvals, whatever work item (its staff read every one of them).
    approval = ApprovedException.objects.filter(organization=org, pk=pk).first()
    if approval is None:
        raise permissions.denied(request, permissions.EDIT_PLAN, {"approval": pk})
    programme = _programme(request)
    if services.acknowledge_approval(request.user, approval):
        messages.success(request, gettext("期日延長の承認を確認済みにしました。"))
    return redirect(programmes.plan_link(org, programme, "#standing"))
