"""The audit trail (/manage/audit/): keyset pages, and the CSV export with each event described."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import audit_text, permissions
from accounts.filters import AuditFilter
from accounts.models import AuditEvent
from accounts.views import common
from pmo import keyset, xlsx
from pmo.http import streaming_attachment


def visible_events(user):
    return permissions.visible(
        user, AuditEvent.objects.all(), permissions.VIEW_AUDIT
    ).select_related(
        "organization", "organization__prefecture", "organization__parent", "actor", "target_user"
    )


@login_required
def audit_list(request):
    permissions.require(request, permissions.VIEW_AUDIT)
    events = AuditFilter(request.GET, queryset=visible_events(request.user))
    # Keyset pages (pmo.keyset): any page of a million events costs what the first does.
    page = keyset.page(
        events.qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=common.PAGE_SIZE,
    )
    return render(request, "accounts/manage/audit.html", {"filter": events, "page": page})


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def audit_export(request):
    permissions.require(request, permissions.VIEW_AUDIT)
    events = AuditFilter(request.GET, queryset=visible_events(request.user)).qs
    writer = csv.writer(_Echo())
    headers = [
        _("日時"),
        _("種類"),
        _("実行者"),
        _("対象"),
        pgettext("column", "団体"),
        _("接続元"),
        _("変更前"),
        _("変更後"),
        _("詳細"),
        _("説明"),
    ]  # in the reader's language, before the response streams

    def rows():
        yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a BOM
        yield writer.writerow(headers)
        described = audit_text.describe_all(keyset.iterate(events, batch=2000), request.user)
        for item in described:
            event = item.event
            yield writer.writerow(
                [
                    xlsx.csv_safe(str(v))
                    for v in (
                        timezone.localtime(event.created_at).strftime("%Y/%m/%d %H:%M:%S"),
                        event.get_kind_display(),
                        event.actor_email,
                        event.target,
                        event.organization.full_name if event.organization else "",
                        event.ip_address or "",
                        event.before or "",
                        event.after or "",
                        event.detail,
                        item.text,
                    )
                ]
            )

    return streaming_attachment(rows(), _("監査ログ.csv"), "text/csv; charset=utf-8")
