"""Following a survey: response rates, the not-answered list, reminders, the prefecture relay
(経由). The results are in :mod:`surveys.result_views`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from pmo.http import attachment
from pmo.xlsx import XLSX_CONTENT_TYPE
from surveys import answering, batch_sheets, reminders, selectors, services, sheets
from surveys.forms import BatchUploadForm
from surveys.views import survey_or_404


def _responses(request, survey, action):
    return permissions.visible(request.user, survey.responses.all(), action)


@login_required
def tracking(request, pk: int):
    """/surveys/<pk>/tracking/: the live response rate by prefecture and class, and who has
    not answered yet (late ones marked once the closing date has passed)."""
    survey = survey_or_404(request, pk, permissions.TRACK_SURVEY)
    responses = _responses(request, survey, permissions.TRACK_SURVEY)
    by_prefecture = selectors.rates_by_prefecture(survey, responses)
    total = selectors.Rate(
        _("合計"),
        sum(r.expected for r in by_prefecture),
        sum(r.answered for r in by_prefecture),
        sum(r.draft for r in by_prefecture),
    )
    context = {
        "survey": survey,
        "total": total,
        "by_prefecture": by_prefecture,
        "by_class": selectors.rates_by_class(responses),
        "pending": list(selectors.not_answered(responses)[:500]),
        "submitted_late": list(selectors.submitted_late(survey, responses)[:500]),
        "late": services.today() > survey.closes_on,
        "can_manage": permissions.can(request.user, permissions.MANAGE_SURVEY, survey),
    }
    return render(request, "surveys/tracking.html", context)


@login_required
@require_POST
def remind(request, pk: int):
    """Remind every organisation that has not submitted (the issuer's own survey)."""
    survey = survey_or_404(request, pk, permissions.MANAGE_SURVEY)
    responses = _responses(request, survey, permissions.MANAGE_SURVEY)
    pending = selectors.not_answered(responses)
    count = reminders.remind(survey, pending, actor=request.user, request=request)
    messages.success(
        request,
        _("%(count)s団体に督促しました（本日の通知にまとめて届きます）。") % {"count": count},
    )
    return redirect("surveys:tracking", pk=survey.pk)


@login_required
def relay(request, pk: int):
    """/surveys/<pk>/relay/: a prefecture's municipalities, their states and its 取りまとめ."""
    survey = survey_or_404(request, pk)
    responses = _responses(request, survey, permissions.RELAY_SURVEY)
    rows = list(
        responses.select_related("organization", "submitted_by").order_by("organization__code")
    )
    if not survey.via_prefectures or not rows:
        raise permissions.denied(request, permissions.RELAY_SURVEY, survey)
    prefecture = request.user.organization
    context = {
        "survey": survey,
        "rows": rows,
        "batch": survey.batches.filter(prefecture=prefecture).first(),
        "pending": sum(1 for row in rows if row.status != "submitted"),
        "upload_form": BatchUploadForm(),
        "marked": request.GET.get("marked") == "1",
    }
    return render(request, "surveys/relay.html", context)


@login_required
@require_POST
def relay_remind(request, pk: int):
    survey = survey_or_404(request, pk)
    responses = _responses(request, survey, permissions.RELAY_SURVEY)
    if not survey.via_prefectures or not responses.exists():
        raise permissions.denied(request, permissions.RELAY_SURVEY, survey)
    pending = selectors.not_answered(responses)
    count = reminders.remind(survey, pending, actor=request.user, request=request)
    messages.success(
        request,
        _("%(count)s団体に督促しました（本日の通知にまとめて届きます）。") % {"count": count},
    )
    return redirect("surveys:relay", pk=survey.pk)


@login_required
@require_POST
def relay_confirm(request, pk: int):
    survey = survey_or_404(request, pk)
    responses = _responses(request, survey, permissions.RELAY_SURVEY)
    if not survey.via_prefectures or not responses.exists():
        raise permissions.denied(request, permissions.RELAY_SURVEY, survey)
    try:
        answering.confirm_batch(
            survey, request.user.organization, actor=request.user, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("取りまとめを確定しました。照会元に届きます。"))
    return redirect("surveys:relay", pk=survey.pk)


# --- the prefecture's one workbook for all its municipalities -----------------------------------


def _relayed(request, pk: int):
    survey = survey_or_404(request, pk)
    responses = _responses(request, survey, permissions.RELAY_SURVEY)
    rows = list(responses.select_related("organization").order_by("organization__code"))
    if not survey.via_prefectures or not rows:
        raise permissions.denied(request, permissions.RELAY_SURVEY, survey)
    return survey, request.user.organization, rows


def _batch_key(request, survey) -> str:
    return f"surveys:batch-marked:{request.user.pk}:{survey.pk}"


@login_required
@require_GET
def relay_template(request, pk: int):
    survey, prefecture, rows = _relayed(request, pk)
    data = batch_sheets.template(survey, prefecture, rows)
    return attachment(data, f"survey-{survey.pk}-{prefecture.code}.xlsx", XLSX_CONTENT_TYPE)


@login_required
@require_POST
def relay_upload(request, pk: int):
    """The prefecture's workbook back: every filled row submitted for its municipality, or
    nothing; errors marked in the returned workbook."""
    survey, prefecture, rows = _relayed(request, pk)
    form = BatchUploadForm(request.POST, request.FILES)
    back = redirect("surveys:relay", pk=survey.pk)
    if not form.is_valid():
        messages.error(request, _("記入したExcelファイルを選んでください。"))
        return back
    try:
        count = batch_sheets.import_batch(
            survey, prefecture, rows, form.cleaned_data["file"], actor=request.user, request=request
        )
    except sheets.TemplateRefused as refused:
        messages.error(request, str(refused))
    except batch_sheets.BatchRefused as refused:
        marked = batch_sheets.template(
            survey, prefecture, rows, values=refused.values, errors=refused.errors
        )
        cache.set(_batch_key(request, survey), marked, 3600)
        messages.error(
            request,
            _(
                "アップロードしたファイルに誤りがある団体が%(count)s団体あります。何も保存していません。"
                "誤りの箇所を示したファイルをダウンロードして直してください。"
            )
            % {"count": len(refused.errors)},
        )
        return redirect(reverse("surveys:relay", args=[survey.pk]) + "?marked=1")
    else:
        messages.success(
            request, _("%(count)s団体の回答を取り込み、提出しました。") % {"count": count}
        )
    return back


@login_required
@require_GET
def relay_marked(request, pk: int):
    survey, prefecture, _rows = _relayed(request, pk)
    data = cache.get(_batch_key(request, survey))
    if data is None:
        raise Http404
    return attachment(data, f"survey-{survey.pk}-{prefecture.code}-errors.xlsx", XLSX_CONTENT_TYPE)
