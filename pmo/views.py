from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from documents.selectors import top_context
from review.selectors import todos


@login_required
def top(request):
    """TOP: お知らせ, documents new since the previous login, the user's organisation and
    what needs the user first (follow-ups to answer or read, plans to check, delays)."""
    context = top_context(request.user)
    context["todos"] = todos(request.user)
    return render(request, "portal/top.html", context)
