from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from documents.selectors import top_context
from review.selectors import glance


@login_required
def top(request):
    """TOP: お知らせ, documents new since the previous login, the user's organisation and
    what it should act on first (delays needing a follow-up, follow-ups awaiting its answer)."""
    context = top_context(request.user)
    context["glance"] = glance(request.user)
    return render(request, "portal/top.html", context)
