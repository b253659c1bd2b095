"""Views of the document library (documents and 取組情報, their versions) and announcements.

A field portal page is read and assembled in :mod:`documents.portal_views`, the procedures
catalogue is :mod:`documents.catalogue_views`.

Every object is fetched through ``accounts.permissions`` (``visible`` / ``get_visible_or_404``
/ ``require``): what a user may not see answers 404, never 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from documents import rules, services
from documents.filters import DocumentFilter
from documents.forms import (
    AnnouncementForm,
    DocumentForm,
    EffortForm,
    ReasonForm,
    VersionForm,
    WithdrawForm,
)
from documents.models import (
    Announcement,
    Document,
    DocumentFile,
    Kind,
    Status,
    audience_class_choices,
)
from documents.scopes import is_editor
from documents.selectors import visible_documents
from pmo.downloads import attachment_response

PAGE_SIZE = 50


def _mark_new(documents, user) -> None:
    now = timezone.now()
    for document in documents:
        document.is_new = rules.is_new(document.published_at, user.previous_login, now)


def _document_or_404(request, pk: int, action: str = permissions.VIEW) -> Document:
    return permissions.get_visible_or_404(
        request,
        Document.objects.select_related("category", "publisher__parent", "publisher__prefecture"),
        action,
        pk=pk,
    )


def _require_editor(request) -> None:
    permissions.require(request, permissions.EDIT_CONTENT)


def _editable_or_404(request, pk: int) -> Document:
    """The document for an editor's change: an editor's page, and a document they may edit."""
    _require_editor(request)
    return _document_or_404(request, pk, permissions.EDIT_CONTENT)


def _listing(request, *, kind: str, template: str, extra: dict | None = None):
    queryset = visible_documents(request.user).filter(kind=kind).for_list()
    if not is_editor(request.user):
        queryset = queryset.published()
    queryset = queryset.order_by("-published_at", "-pk")
    filterset = DocumentFilter(request.GET or None, queryset=queryset, request=request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    _mark_new(page.object_list, request.user)
    context = {
        "filter": filterset,
        "page": page,
        "is_editor": is_editor(request.user),
    }
    return render(request, template, context | (extra or {}))


@login_required
def index(request):
    """/documents/: the library, filterable, newest first, "新着" since the previous login."""
    return _listing(request, kind=Kind.DOCUMENT, template="documents/index.html")


@login_required
def efforts(request):
    """/efforts/: organisations' shared 取組情報."""
    return _listing(request, kind=Kind.EFFORT, template="documents/efforts.html")


@login_required
def detail(request, pk: int):
    document = _document_or_404(request, pk)
    files = list(document.files.select_related("uploaded_by"))
    document.is_new = rules.is_new(
        document.published_at, request.user.previous_login, timezone.now()
    )
    can_edit = permissions.can(request.user, permissions.EDIT_CONTENT, document)
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "files": files,
            "current": next((f for f in files if not f.superseded), None),
            "tags": list(document.tags.all()),
            "organizations": list(document.organizations.select_related("prefecture")),
            "procedures": list(document.procedures.select_related("field")),
            "linkages": list(document.linkages.select_related("field")),
            "audience_classes": _("・").join(
                str(label)
                for code, label in audience_class_choices()
                if f",{code}," in document.audience_classes
            ),
            "can_edit": can_edit,
            "is_editor": is_editor(request.user),
            "version_form": VersionForm(),
            "reason_form": ReasonForm(),
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
def download(request, pk: int, file_id: int):
    """Send one version (permission checked through its document), counting the download."""
    file = permissions.get_visible_or_404(
        request, DocumentFile.objects.select_related("document"), pk=file_id, document_id=pk
    )
    try:
        response = attachment_response(file.file, file.original_name)
    except FileNotFoundError:
        # The row outlived its file (restored database, object store lag): say so, no 500.
        raise Http404 from None
    services.count_download(file)
    return response


@login_required
def create(request):
    _require_editor(request)
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        creating=True,
        initial={"publisher": request.user.organization_id},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.create_document(
                actor=request.user,
                request=request,
                upload=data["upload"],
                note=data["note"],
                tags=data["tags_text"],
                organizations=data["organizations"],
                catalogue_rows=data["catalogue_rows"],
                action=data["publication"],
                publish_at=data["publish_at"],
                **form.document_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("ドキュメントを登録しました。"))
            return redirect(document)
    return render(request, "documents/form.html", {"form": form, "creating": True})


@login_required
def edit(request, pk: int):
    document = _editable_or_404(request, pk)
    form = DocumentForm(request.POST or None, instance=document)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = data["publication"]
        if document.status == Status.PUBLISHED and action == "draft":
            action = None  # saving a published document keeps it published
        try:
            services.update_document(
                document,
                actor=request.user,
                request=request,
                tags=data["tags_text"],
                organizations=data["organizations"],
                catalogue_rows=data["catalogue_rows"],
                action=action,
                publish_at=data["publish_at"] if action == "schedule" else document.publish_at,
                **form.document_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("ドキュメントを更新しました。"))
            return redirect(document)
    return render(request, "documents/form.html", {"form": form, "document": document})


@login_required
@require_POST
def publish(request, pk: int):
    document = _editable_or_404(request, pk)
    services.publish(document, actor=request.user, request=request)
    messages.success(request, _("公開しました。"))
    return redirect(document)


@login_required
@require_POST
def withdraw(request, pk: int):
    document = _editable_or_404(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    services.withdraw(
        document, actor=request.user, request=request, reason=form.cleaned_data.get("reason", "")
    )
    messages.success(request, _("公開を終了しました。"))
    return redirect(document)


@login_required
@require_POST
def add_version(request, pk: int):
    document = _document_or_404(request, pk, permissions.EDIT_CONTENT)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            file = services.add_version(
                document,
                form.cleaned_data["upload"],
                actor=request.user,
                request=request,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("第%(v)s版を登録しました。") % {"v": file.version})
            return redirect(document)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
    return redirect(document)


@login_required
@require_POST
def hide(request, pk: int):
    document = _editable_or_404(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.hide(
            document, actor=request.user, request=request, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("非表示にしました。"))
    else:
        messages.error(request, _("非表示にする理由を入力してください。"))
    return redirect(document)


@login_required
@require_POST
def unhide(request, pk: int):
    document = _editable_or_404(request, pk)
    services.unhide(document, actor=request.user, request=request)
    messages.success(request, _("再び表示しました。"))
    return redirect(document)


@login_required
def share_effort(request):
    """Staff share their own organisation's material with everyone."""
    if request.user.organization_id is None:
        raise permissions.denied(request, permissions.VIEW)
    form = EffortForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = services.share_effort(
            actor=request.user,
            request=request,
            title=form.cleaned_data["title"],
            purpose=form.cleaned_data["purpose"],
            upload=form.cleaned_data["upload"],
        )
        messages.success(request, _("取組情報を登録しました。すべての団体が閲覧できます。"))
        return redirect(document)
    return render(request, "documents/effort_form.html", {"form": form})


# --- announcements -------------------------------------------------------------------------


@login_required
def announcements(request):
    items = permissions.visible(request.user, Announcement.objects.all()).select_related("page")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/announcements.html",
        {"page": page, "is_editor": is_editor(request.user)},
    )


@login_required
def announcement_form(request, pk: int | None = None):
    _require_editor(request)
    instance = (
        permissions.get_visible_or_404(
            request, Announcement.objects.all(), permissions.EDIT_CONTENT, pk=pk
        )
        if pk
        else None
    )
    form = AnnouncementForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.save_announcement(form, actor=request.user, request=request)
        messages.success(request, _("お知らせを保存しました。"))
        return redirect("documents:announcements")
    return render(request, "documents/announcement_form.html", {"form": form})
