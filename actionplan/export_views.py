"""「自団体のデータを一括ダウンロード」: the organisation's own data as one workbook.

Who may VIEW the organisation may download it (:mod:`accounts.permissions`); anyone else gets
404, recorded in the audit trail as every refused download is. Each sheet's rows are narrowed
by the same door for the downloading user (:mod:`actionplan.export_selectors`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import permissions
from accounts.permissions import VIEW
from actionplan import exports
from orgs.models import Organization
from pmo.http import attachment
from pmo.xlsx import XLSX_CONTENT_TYPE


@login_required
@require_GET
def own_data(request: HttpRequest, code: str) -> HttpResponse:
    queryset = Organization.objects.select_related("prefecture", "parent")
    organization = permissions.get_visible_or_404(request, queryset, VIEW, code=code)
    data = exports.workbook(request.user, organization)
    filename = exports.filename(organization, timezone.localdate())
    return attachment(data, filename, XLSX_CONTENT_TYPE)
