from __future__ import annotations

import math
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from actionplan import programmes
from documents.selectors import top_context
from review.inbox import unhandled
from review.todos import todos


@login_required
def top(request):
    """TOP: お知らせ, documents new since the previous login, the user's organisation and
    what needs the user first (follow-ups to answer or read, plans to check, delays) and each
    review event still waiting for the user's organisation (:mod:`review.inbox`)."""
    context = top_context(request.user)
    # The programme of the todos and links (a switcher when there are several); none yet
    # (a fresh portal) is no error here.
    context["programme"] = programmes.for_request(request, required=False)
    context["todos"] = todos(request.user, context["programme"])
    context["unhandled"] = unhandled(request.user)
    return render(request, "portal/top.html", context)


# Actions whose refusal is this page (allauth's rate_limit decorators and consume_or_429).
RATE_LIMITED_ACTIONS = ("login", "reset_password", "reset_password_from_key", "change_password")


def retry_seconds() -> int:
    """How long a refused client waits at most: the longest window of those actions' limits."""
    from allauth.account import app_settings
    from allauth.core.internal.ratelimit import parse_rates

    windows = [
        rate.duration
        for action in RATE_LIMITED_ACTIONS
        for rate in parse_rates(app_settings.RATE_LIMITS.get(action))
    ]
    return math.ceil(max(windows, default=60))


def too_many_requests(request):
    """allauth's 429 (``handler429`` in pmo.urls): in the portal's shell, with when to retry."""
    seconds = retry_seconds()
    context = {
        "retry_at": timezone.now() + timedelta(seconds=seconds),
        "retry_minutes": math.ceil(seconds / 60),
    }
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
