"""What every plan page shares: the organisation looked at (through the permission door: out
of reach answers 404), the programme asked for, whether htmx asked, and an ``?as_of=`` date."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from accounts import permissions
from accounts.permissions import VIEW
from actionplan import programmes
from orgs.models import Organization
from pmo import as_of as as_of_dates


def organization_or_404(request: HttpRequest, code: str, action: str = VIEW) -> Organization:
    queryset = Organization.objects.select_related("prefecture", "parent")
    return permissions.get_visible_or_404(request, queryset, action, code=code)


def programme_asked(request: HttpRequest):
    """``?programme=`` or the default one (actionplan.programmes); a bad value is 404."""
    return programmes.for_request(request)


def is_htmx(request: HttpRequest) -> bool:
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
