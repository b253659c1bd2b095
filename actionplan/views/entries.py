"""One row of the plan: shown, edited in place (htmx) or on a page of its own, saved with its
version (a conflict shows both sides; a retried save of one's own is no conflict), and its
change history."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts import permissions
from accounts.permissions import EDIT_PLAN, VIEW
from actionplan import selectors, services
from actionplan.entry_history import history
from actionplan.forms import EntryForm, initial_for
from actionplan.models import PlanEntry
from actionplan.programmes import plan_link
from actionplan.rows import Row
from actionplan.views.common import is_htmx, organization_or_404, parse_as_of
from orgs.models import Organization

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _row(organization: Organization, programme, entry: PlanEntry) -> Row:
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
    organization = organization_or_404(request, code)
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
    organization = organization_or_404(request, code)
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
    template = "actionplan/_edit.html" if is_htmx(request) else "actionplan/entry_page.html"
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


def _saved(request, organization, programme, row: Row, result: services.SaveResult) -> HttpResponse:
    """The answer to a committed save. It must say "saved" whatever happens next: the fresh
    row and its warnings are read after the commit, and if the database fails there the row
    is shown from what was read before and written in the save, with a notice."""
    if not is_htmx(request):
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
    organization = organization_or_404(request, code)
    entry = _entry(request, organization, pk, VIEW)
    # From an as-of page: the changes made up to that day.
    as_of, _error = parse_as_of(request.GET.get("as_of"))
    context = {"entry": entry, "changes": history(entry, as_of=as_of)}
    return render(request, "actionplan/_history.html", context)
