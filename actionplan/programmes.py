"""Which programme a request shows: :func:`for_request`, the one choice used by the plan
pages, every /review/ page and TOP.

- ``?programme=<id>`` names it. It must be one the user may read
  (:func:`accounts.permissions.programmes`: published ones; unpublished ones only for the
  system administrator); anything else — unknown, not a number, out of reach — answers 404,
  never a silent fallback to another programme's figures.
- Without it: the newest open programme (:meth:`Programme.is_open`: published, 有効 and its
  period not over), newest by start date. When none is open (every period over, as for the
  2015 seed today), the newest published one, so a finished programme's pages still answer.

Closed programmes stay readable by URL (pages, report, CSV); they are just never the
default. The choice is kept on the request (``request.programme_switch``) for the switcher
partial, ``templates/includes/programme_switcher.html``. One query: the readable programmes
(a handful of rows), from which both the choice and the switcher's options come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from accounts import permissions
from actionplan.models import Programme

PARAM = "programme"


@dataclass(frozen=True)
class Option:
    pk: int
    name: str
    note: str  # 「未公開」, 「終了」 or ''


@dataclass(frozen=True)
class Switch:
    """The programme shown and the others the user may switch to (newest first)."""

    current: Programme
    options: tuple[Option, ...]

    @property
    def shown(self) -> bool:
        """The switcher appears only when there is something to switch to."""
        return len(self.options) > 1


def default(programmes: Sequence[Programme], today: dt.date) -> Programme | None:
    """The newest open programme, else the newest published one, else (the administrator's
    drafts alone) the newest of ``programmes`` (which come newest first)."""
    for wanted in (lambda p: p.is_open(today), lambda p: p.is_published, lambda p: True):
        if found := next((p for p in programmes if wanted(p)), None):
            return found
    return None


def named(programmes: Sequence[Programme], value: str) -> Programme | None:
    """The programme ``value`` names among ``programmes``; ``None`` when it names none."""
    if not value.isascii() or not value.isdigit():
        return None
    return next((p for p in programmes if p.pk == int(value)), None)


def readable(user) -> list[Programme]:
    """The programmes ``user`` may read, newest first (one query)."""
    return list(permissions.programmes(user).order_by("-starts_on", "-pk"))


def default_for(user) -> Programme | None:
    """The programme ``user``'s pages show when the URL names none (one query)."""
    return default(readable(user), timezone.localdate())


def _note(programme: Programme, today: dt.date) -> str:
    if not programme.is_published:
        return str(pgettext_lazy("programme", "未公開"))
    return "" if programme.is_open(today) else str(pgettext_lazy("programme", "終了"))


def for_request(request: HttpRequest, *, required: bool = True) -> Programme | None:
    """The programme ``request`` shows (see the module docstring), or 404. With
    ``required=False`` (TOP), no programme at all gives ``None`` instead of 404; a bad
    ``?programme=`` is a 404 either way. One query."""
    programmes = readable(request.user)
    today = timezone.localdate()
    value = request.GET.get(PARAM)
    if value is not None:
        programme = named(programmes, value)
        if programme is None:
            raise permissions.denied(request, permissions.VIEW, {PARAM: value})
    else:
        programme = default(programmes, today)
        if programme is None:
            if required:
                raise Http404("no programme")
            return None
    options = tuple(Option(p.pk, p.name, _note(p, today)) for p in programmes)
    request.programme_switch = Switch(programme, options)  # type: ignore[attr-defined]
    return programme


def plan_link(organization, programme: Programme, anchor: str = "", **query) -> str:
    """The plan page of ``programme``: every link and redirect back to it names it (and
    ``query``: the work item and page of a long plan, see ``selectors.place``)."""
    url = reverse("actionplan:plan", args=[organization.code])
    return f"{url}?{urlencode({PARAM: programme.pk, **query})}{anchor}"
