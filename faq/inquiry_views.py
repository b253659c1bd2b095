"""Inquiries (問い合わせ): the form, the list, one inquiry, and the editors' workflow steps.

The asker's organisation sees its inquiries, editors see all (see :mod:`faq.scopes`); the
workflow steps need EDIT_CONTENT on the inquiry, so anyone else gets 404 for them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import EDIT_CONTENT, VIEW, denied, get_visible_or_404, visible
from accounts.signed_in import SignedInRequest
from faq import inquiries, search
from faq.filters import InquiryFilter
from faq.forms import AnswerForm, AssignForm, InquiryForm, PublishForm
from faq.models import Inquiry, InquiryAttachment, InquiryStatus
from faq.scopes import is_editor
from pmo.downloads import attachment_response

PAGE_SIZE = 30


def _inquiries():
    return Inquiry.objects.select_related(
        "organization__prefecture", "organization__parent", "asker", "assignee", "published_faq"
    )


@login_required
def new(request: SignedInRequest) -> HttpResponse:
    """``/inquiries/new/?q=…``: the question form, prefilled from a search that found nothing."""
    if request.user.organization_id is None:
        raise denied(request, VIEW, "inquiry without organisation")
    if request.method == "POST":
        form = InquiryForm(request.POST, request.FILES)
        if form.is_valid():
            inquiry = inquiries.submit_inquiry(
                asker=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                work_item=form.cleaned_data["work_item"],
                field=form.cleaned_data["field"],
                files=form.cleaned_data["attachments"],
            )
            messages.success(
                request,
                _("問い合わせを受け付けました（%(reference)s）。受付のメールをお送りしました。")
                % {"reference": inquiry.reference},
            )
            return redirect(inquiry)
    else:
        query = search.clean((request.GET.get("q") or "")[:4000])
        form = InquiryForm(initial={"subject": query[:200], "body": query[:4000]})
    return render(request, "faq/inquiry_form.html", {"form": form})


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Inquiries the user may see: their organisation's (or, for editors, all), newest first."""
    filterset = InquiryFilter(
        request.GET or None, queryset=visible(request.user, _inquiries(), VIEW)
    )
    found = (
        Inquiry.objects.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
    )
    page = Paginator(found.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "faq/inquiry_list.html",
        {"filter": filterset, "page": page, "is_editor": is_editor(request.user)},
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = get_visible_or_404(request, _inquiries(), VIEW, pk=pk)
    context = {
        "inquiry": inquiry,
        "attachments": list(inquiry.attachments.all()),
        "is_editor": is_editor(request.user),
    }
    if context["is_editor"]:
        context["assign_form"] = AssignForm(initial={"assignee": inquiry.assignee_id})
        context["answer_form"] = AnswerForm(initial={"answer": inquiry.answer})
        context["publish_form"] = PublishForm(
            initial={
                "question": inquiries.anonymize(inquiry.body, inquiry),
                "answer": inquiries.anonymize(inquiry.answer, inquiry),
                "work_item": inquiry.work_item,
                "field": inquiry.field,
            }
        )
    return render(request, "faq/inquiry_detail.html", context)


def _for_editor(request: HttpRequest, pk: int) -> Inquiry:
    return get_visible_or_404(request, _inquiries(), EDIT_CONTENT, pk=pk)


def _step(request: HttpRequest, inquiry: Inquiry, step, done: str, **kwargs) -> HttpResponse:
    try:
        step(inquiry, request=request, **kwargs)
    except inquiries.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(inquiry)


def _form_errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = _for_editor(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(inquiry)
    assignee = form.cleaned_data["assignee"]
    return _step(
        request,
        inquiry,
        inquiries.assign,
        _("%(name)s さんを担当に割り当てました。") % {"name": assignee.display_name},
        assignee=assignee,
    )


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = _for_editor(request, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(inquiry)
    return _step(
        request,
        inquiry,
        inquiries.answer,
        _("回答を登録し、質問者にメールで知らせました。"),
        text=form.cleaned_data["answer"],
        by=request.user,
    )


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """The asker's organisation (or an editor) marks an answered inquiry 完了."""
    inquiry = get_visible_or_404(request, _inquiries(), VIEW, pk=pk)
    return _step(request, inquiry, inquiries.close, _("問い合わせを完了にしました。"))


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """One step: the answered inquiry becomes a new FAQ, without who asked."""
    inquiry = _for_editor(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(inquiry)
    try:
        faq = inquiries.publish_as_faq(
            inquiry,
            question=form.cleaned_data["question"],
            answer_text=form.cleaned_data["answer"],
            work_item=form.cleaned_data["work_item"],
            field=form.cleaned_data["field"],
            by=request.user,
            request=request,
        )
    except inquiries.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect(inquiry)
    messages.success(request, _("%(number)s としてFAQに公開しました。") % {"number": faq.number})
    return redirect(faq)


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    item = get_visible_or_404(
        request, InquiryAttachment.objects.all(), VIEW, pk=attachment_pk, inquiry_id=pk
    )
    return attachment_response(item.file, item.original_name)


__all__ = ["InquiryStatus"]
