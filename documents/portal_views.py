"""Field portal pages: reading one, and the editor screens that assemble it from sections and
document links.

Every change is one service call and one audit event (``Kind.CONTENT``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from documents import services
from documents.forms import PortalLinkForm, PortalPageForm, PortalSectionForm
from documents.models import PortalLink, PortalPage, PortalSection
from documents.scopes import is_editor
from documents.selectors import visible_documents


def _page_for_edit(request, slug: str) -> PortalPage:
    permissions.require(request, permissions.EDIT_CONTENT)
    return permissions.get_visible_or_404(
        request, PortalPage.objects.all(), permissions.EDIT_CONTENT, slug=slug
    )


@login_required
def pages(request):
    """The list of portal pages (editors see unpublished ones too)."""
    visible = permissions.visible(request.user, PortalPage.objects.all())
    return render(
        request,
        "documents/portal_list.html",
        {
            "pages": visible,
            "is_editor": permissions.can(request.user, permissions.EDIT_CONTENT),
        },
    )


@login_required
def create_page(request):
    permissions.require(request, permissions.EDIT_CONTENT)
    form = PortalPageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        page = services.save_portal_part(form, actor=request.user, request=request)
        messages.success(request, _("ポータルページを作成しました。"))
        return redirect("documents:portal_edit", page.slug)
    return render(request, "documents/portal_edit.html", {"page_form": form, "creating": True})


@login_required
def edit_page(request, slug: str):
    page = _page_for_edit(request, slug)
    page_form = PortalPageForm(instance=page, prefix="page")
    section_form = PortalSectionForm(prefix="section")
    link_form = PortalLinkForm(page=page, prefix="link")
    form: forms.ModelForm
    if request.method == "POST":
        part = request.POST.get("part")
        if part == "page":
            page_form = PortalPageForm(request.POST, instance=page, prefix="page")
            form = page_form
        elif part == "section":
            section_form = PortalSectionForm(
                request.POST, instance=PortalSection(page=page), prefix="section"
            )
            form = section_form
        else:
            link_form = PortalLinkForm(request.POST, page=page, prefix="link")
            form = link_form
        if form.is_valid():
            saved = services.save_portal_part(form, actor=request.user, request=request)
            messages.success(request, _("保存しました。"))
            return redirect("documents:portal_edit", saved.slug if part == "page" else page.slug)
    sections = page.sections.prefetch_related("links__document")
    return render(
        request,
        "documents/portal_edit.html",
        {
            "portal": page,
            "sections": sections,
            "page_form": page_form,
            "section_form": section_form,
            "link_form": link_form,
        },
    )


@login_required
@require_POST
def remove_part(request, slug: str, kind: str, pk: int):
    page = _page_for_edit(request, slug)
    model = PortalSection if kind == "section" else PortalLink
    lookup = {"page": page} if kind == "section" else {"section__page": page}
    part = model.objects.filter(pk=pk, **lookup).first()
    if part is None:
        raise permissions.denied(request, permissions.EDIT_CONTENT, page)
    services.remove_portal_part(part, actor=request.user, request=request)
    messages.success(request, _("削除しました。"))
    return redirect("documents:portal_edit", page.slug)


@login_required
def portal(request, slug: str):
    """A field portal page: its sections and the documents the user may see."""
    page = permissions.get_visible_or_404(request, PortalPage.objects.all(), slug=slug)
    documents = visible_documents(request.user)
    if not is_editor(request.user):
        documents = documents.published()
    links = PortalLink.objects.filter(document__in=documents.values("pk")).select_related(
        "document__publisher__parent"
    )
    sections = page.sections.prefetch_related(
        Prefetch("links", queryset=links),
    )
    return render(
        request,
        "documents/portal.html",
        {"portal": page, "sections": list(sections), "is_editor": is_editor(request.user)},
    )
