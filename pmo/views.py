from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from documents.selectors import top_context


@login_required
def top(request):
    """TOP: お知らせ, documents new since the previous login, the user's organisation."""
    return render(request, "portal/top.html", top_context(request.user))
