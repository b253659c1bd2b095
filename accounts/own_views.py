"""The signed-in person's own settings (/settings/): how they hear about review events."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import permissions, services
from accounts.forms import NotificationForm


@login_required
@require_http_methods(["GET", "POST"])
def own_settings(request):
    permissions.require(request, permissions.OWN_SETTINGS)
    user = request.user
    form = NotificationForm(
        request.POST or None, initial={"notification_mode": user.notification_mode}
    )
    if request.method == "POST" and form.is_valid():
        services.set_notification_mode(
            user, form.cleaned_data["notification_mode"], request=request
        )
        messages.success(request, _("通知の受け取り方を保存しました。"))
        return redirect("own_settings")
    return render(request, "accounts/settings.html", {"form": form})
