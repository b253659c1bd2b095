"""Editors write FAQs in the portal: create, edit, publish and unpublish.

Every view asks the one door first (EDIT_CONTENT), so anyone else gets 404 before an FAQ is
read; every write goes through :mod:`faq.services` (search columns, version, who and when).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import EDIT_CONTENT, get_visible_or_404, require, visible
from faq import services
from faq.forms import FAQForm
from faq.models import FAQ


def _editable(request: HttpRequest, number: str) -> FAQ:
    require(request, EDIT_CONTENT)
    faqs = FAQ.objects.select_related("updated_by")
    return get_visible_or_404(request, faqs, EDIT_CONTENT, number=number)


def _linkable(request: HttpRequest):
    """The FAQs an editor may name as related."""
    return visible(request.user, FAQ.objects.all(), EDIT_CONTENT)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    require(request, EDIT_CONTENT)
    form = FAQForm(request.POST or None, faqs=_linkable(request), initial={"is_published": True})
    if request.method == "POST" and form.is_valid():
        try:
            faq = services.create_faq(
                related=form.cleaned_data["related"],
                by=request.user,
                request=request,
                **form.faq_fields(),
            )
        except services.NumberTaken as refused:
            form.add_error("number", str(refused))
        else:
            messages.success(request, _("%(number)s を作成しました。") % {"number": faq.number})
            return redirect(faq)
    return render(request, "faq/form.html", {"form": form})


@login_required
def edit(request: HttpRequest, number: str) -> HttpResponse:
    faq = _editable(request, number)
    # Shown as read, even if a refused save below has touched the instance.
    last_change = {"by": faq.updated_by, "at": faq.updated_at}
    if request.method != "POST":
        form = FAQForm(instance=faq, faqs=_linkable(request))
    else:
        form = FAQForm(request.POST, instance=faq, faqs=_linkable(request))
        if form.is_valid():
            try:
                changed = services.update_faq(
                    faq,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    related=form.cleaned_data["related"],
                    request=request,
                    **form.faq_fields(),
                )
            except services.NumberTaken as refused:
                form.add_error("number", str(refused))
            except services.StaleEdit as refused:
                form.add_error(None, refused.message())
            else:
                return _edited(request, faq, changed)
    return render(
        request,
        "faq/form.html",
        {"form": form, "faq": faq, "number": number, "last_change": last_change},
    )


def _edited(request: HttpRequest, faq: FAQ, changed: list[str]) -> HttpResponse:
    if not changed:
        messages.info(request, _("変更はありませんでした。"))
        return redirect(faq)
    messages.success(request, _("%(number)s を更新しました。") % {"number": faq.number})
    return redirect(faq)


def _set_published(request: HttpRequest, number: str, *, published: bool) -> HttpResponse:
    faq = _editable(request, number)
    if services.set_published(faq, published, by=request.user, request=request):
        done = _("公開しました。") if published else _("非公開にしました。")
        messages.success(request, done)
    else:
        already = _("既に公開されています。") if published else _("既に非公開です。")
        messages.info(request, already)
    return redirect(faq)


@login_required
@require_POST
def publish(request: HttpRequest, number: str) -> HttpResponse:
    return _set_published(request, number, published=True)


@login_required
@require_POST
def unpublish(request: HttpRequest, number: str) -> HttpResponse:
    return _set_published(request, number, published=False)
