"""FAQ pages: search and browse, an entry, 役に立った votes, the editors' report, Excel."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import (
    EDIT_CONTENT,
    VIEW,
    denied,
    get_visible_or_404,
    require,
    visible,
)
from accounts.signed_in import SignedInRequest
from faq import exports, import_jobs, imports, search, services, tasks
from faq.filters import FAQFilter
from faq.forms import ImportForm
from faq.models import FAQ, FAQImportJob, FAQVote, Inquiry, InquiryStatus, SearchMiss, WorkItem
from faq.scopes import is_editor
from pmo import job_views, upload_jobs, xlsx, xlsx_check
from pmo.http import attachment
from pmo.sheets import RowError

PAGE_SIZE = 20
LIST_FIELDS = (
    "number",
    "question",
    "answer",
    "work_item",
    "field",
    "topic",
    "updated_on",
    "view_count",
    "helpful_count",
    "is_published",
)


def _faqs(request: HttpRequest):
    return visible(request.user, FAQ.objects.all(), VIEW).only(*LIST_FIELDS)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """``/faq/?q=…``: search results best first, or the filtered list with the two rankings."""
    query = search.parse(request.GET.get("q"))
    filterset = FAQFilter(request.GET or None, queryset=_faqs(request))
    faqs = FAQ.objects.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
    filtered = any(request.GET.get(name) for name in ("work_item", "field", "topic"))
    context: dict = {
        "search": query,
        "filter": filterset,
        "filtered": filtered,
        "is_editor": is_editor(request.user),
    }
    if query.active:
        page = Paginator(search.matching(faqs, query.terms), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context["results"] = [
            {
                "faq": faq,
                "question": search.highlight(faq.question, query.terms),
                "snippet": search.snippet(faq.answer, query.terms),
            }
            for faq in page
        ]
        context["page"] = page
        if page.paginator.count == 0 and not filtered:
            services.record_miss(query.query)
    else:
        page = Paginator(faqs.order_by("number"), PAGE_SIZE).get_page(request.GET.get("page"))
        context["page"] = page
        if not filtered and not query.error:
            everything = _faqs(request)
            context["most_viewed"] = list(everything.order_by("-view_count", "number")[:5])
            context["newest"] = list(everything.order_by("-updated_on", "-id")[:5])
    return render(request, "faq/index.html", context)


@login_required
@require_GET
def detail(request: SignedInRequest, number: str) -> HttpResponse:
    faq = get_visible_or_404(request, FAQ.objects.select_related("updated_by"), VIEW, number=number)
    services.record_view(faq)
    related = visible(request.user, faq.related.all(), VIEW).only("number", "question")
    voted = FAQVote.objects.filter(faq=faq, user=request.user).exists()
    return render(
        request,
        "faq/detail.html",
        {
            "faq": faq,
            "related": list(related),
            "voted": voted,
            "is_editor": is_editor(request.user),
        },
    )


@login_required
@require_POST
def vote(request: SignedInRequest, number: str) -> HttpResponse:
    """役に立った: one per user; htmx swaps the button block, a plain post redirects."""
    faq = get_visible_or_404(request, FAQ.objects.all(), VIEW, number=number)
    counted, count = services.vote_helpful(faq, request.user)
    faq.helpful_count = count
    if request.htmx:
        return render(request, "faq/_vote.html", {"faq": faq, "voted": True, "just_voted": counted})
    messages.success(request, _("ご意見ありがとうございました。"))
    return redirect(faq)


@login_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """FAQs matching what is being typed in the inquiry form (htmx, as the question is typed)."""
    text = " ".join(request.GET.get(name, "")[:2000] for name in ("subject", "body"))
    # Published entries only, even for editors: a suggestion is something the asker can read.
    faqs = visible(request.user, FAQ.objects.published(), VIEW)
    return render(
        request,
        "faq/_suggestions.html",
        {"suggestions": search.suggest(text, queryset=faqs), "typed": bool(text.strip())},
    )


# --- Editors ------------------------------------------------------------------------------------
AGE_BUCKETS = (("0-2", 0, 2), ("3-7", 3, 7), ("8-30", 8, 30), ("31-", 31, None))


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """Searches that found nothing (most frequent first); open inquiries by category and age."""
    require(request, EDIT_CONTENT)
    misses = list(SearchMiss.objects.all()[:100])
    inquiries = visible(request.user, Inquiry.objects.all(), EDIT_CONTENT)
    now = timezone.now()
    aggregates = {}
    for label, low, high in AGE_BUCKETS:
        window = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            window &= Q(created_at__gt=now - timedelta(days=high + 1))
        aggregates[label] = Count("pk", filter=window & ~Q(status=InquiryStatus.CLOSED))
    by_category = {
        row["work_item"]: row
        for row in inquiries.values("work_item").annotate(
            total=Count("pk"),
            closed=Count("pk", filter=Q(status=InquiryStatus.CLOSED)),
            **aggregates,
        )
    }
    labels = [("", _("（未分類）")), *WorkItem.choices]
    rows = [
        {
            "label": label,
            "total": by_category.get(code, {}).get("total", 0),
            "closed": by_category.get(code, {}).get("closed", 0),
            "ages": [by_category.get(code, {}).get(b[0], 0) for b in AGE_BUCKETS],
        }
        for code, label in labels
    ]
    return render(
        request,
        "faq/report.html",
        {"misses": misses, "rows": rows, "buckets": [b[0] for b in AGE_BUCKETS]},
    )


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    require(request, EDIT_CONTENT)
    faqs = visible(request.user, FAQ.objects.all(), EDIT_CONTENT).prefetch_related("related")
    return attachment(
        exports.faq_workbook(faqs.order_by("number")), "faq.xlsx", xlsx.XLSX_CONTENT_TYPE
    )


@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    """A small sheet is imported during the request; a larger one by a worker (import_jobs)."""
    require(request, EDIT_CONTENT)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[RowError] = []
    refused, status = "", 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        received = upload_jobs.receive(
            request,
            upload,
            max_bytes=xlsx_check.MAX_BYTES,
            rows_in=import_jobs.rows_in,
            start=tasks.start_import,
            job_page="faq:import_job",
        )
        if received.response:
            return received.response
        if received.refused:
            refused, status = received.refused, 503
        else:
            result = imports.import_faqs(upload, by=request.user, request=request)
            errors = result.errors
            if not errors:
                _imported(request, result)
                return redirect("faq:import")
    context = {"form": form, "errors": errors, "refused": refused}
    return render(request, "faq/import.html", context, status=status)


def _imported(request: HttpRequest, result: imports.ImportResult) -> None:
    messages.success(
        request,
        _("取り込みました。新規 %(created)s 件、更新 %(updated)s 件。")
        % {"created": result.created, "updated": result.updated},
    )


def _own_job(request: SignedInRequest, pk: int) -> FAQImportJob:
    require(request, EDIT_CONTENT)
    try:
        return FAQImportJob.objects.defer("upload").get(pk=pk, requester=request.user)
    except FAQImportJob.DoesNotExist:
        raise denied(request, EDIT_CONTENT, {"faq_import_job": pk}) from None


@login_required
@require_GET
def import_job(request: SignedInRequest, pk: int) -> HttpResponse:
    """The progress, then the result, of an FAQ import job (the requester's own)."""
    job = _own_job(request, pk)
    percent = import_jobs.percent(job)
    return job_views.progress_page(
        request, job, "faq/import_job.html", "faq/_import_job.html", percent=percent
    )


@login_required
@require_POST
def import_retry(request: SignedInRequest, pk: int) -> HttpResponse:
    """Import an interrupted sheet again, as a new job with the same file."""
    return job_views.retry(request, _own_job(request, pk), tasks.start_import, "faq:import_job")
