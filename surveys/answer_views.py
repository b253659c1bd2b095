"""Answering (any person of the organisation), and the views about one response: reopening
by the issuer, sending back by the prefecture."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from pmo.http import attachment
from pmo.xlsx import XLSX_CONTENT_TYPE
from surveys import answering, rules, selectors, services, sheets
from surveys.forms import CommentForm, UploadForm
from surveys.models import Response


def response_or_404(request, pk: int, code: str, action: str = permissions.VIEW) -> Response:
    return permissions.get_visible_or_404(
        request,
        Response.objects.select_related("survey__issuer", "organization", "submitted_by"),
        action,
        survey_id=pk,
        organization__code=code,
    )


@login_required
def answer(request, pk: int, code: str):
    """/surveys/<pk>/answers/<code>/: the organisation's answer, editable by its people."""
    response = response_or_404(request, pk, code)
    survey = response.survey
    questions = list(survey.questions.select_related("shown_if"))
    can_answer = permissions.can(request.user, permissions.ANSWER_SURVEY, response)
    values, errors, problem = answering.current_values(response), {}, ""
    if request.method == "POST":
        if not can_answer:
            raise permissions.denied(request, permissions.ANSWER_SURVEY, response)
        raw = selectors.raw_answers(questions, request.POST)
        submit = "submit" in request.POST
        try:
            answering.save_answers(
                response, raw, actor=request.user, request=request, submit=submit
            )
        except ValidationError as error:
            values = raw
            if hasattr(error, "error_dict"):
                errors = {int(key): " ".join(m) for key, m in error.message_dict.items()}
                problem = _("入力内容を確認してください。%(count)s件の質問にエラーがあります。") % {
                    "count": len(errors)
                }
            else:
                problem = " ".join(error.messages)
        else:
            messages.success(
                request,
                _("回答を提出しました。期限までは修正できます。")
                if submit
                else _("回答を一時保存しました。まだ提出していません。"),
            )
            return redirect(response.get_absolute_url())
    marked = request.GET.get("marked") == "1"
    open_now = rules.is_answerable(
        services.today(), survey.opens_on, survey.closes_on, reopened=response.reopened
    )
    context = {
        "survey": survey,
        "response": response,
        "items": selectors.answer_items(questions, values, errors),
        "problem": problem,
        "can_answer": can_answer and open_now,
        "open_now": open_now,
        "not_yet": services.today() < survey.opens_on,
        "revisions": list(response.revisions.select_related("submitted_by")[:20]),
        "can_manage": permissions.can(request.user, permissions.MANAGE_SURVEY, survey),
        "can_relay": permissions.can(request.user, permissions.RELAY_SURVEY, response),
        "comment_form": CommentForm(),
        "upload_form": UploadForm(),
        "marked": marked,
        "upload_errors": (cache.get(_marked_key(request, response) + ":list") or [])
        if marked
        else [],
    }
    return render(request, "surveys/answer.html", context)


@login_required
@require_POST
def reopen(request, pk: int, code: str):
    """The issuer accepts this organisation's answers after closing (or stops accepting)."""
    response = response_or_404(request, pk, code, permissions.MANAGE_SURVEY)
    reopened = request.POST.get("reopened") == "1"
    answering.set_reopened(response, reopened=reopened, actor=request.user, request=request)
    messages.success(
        request,
        _("この団体の期限後の回答を受け付けます。")
        if reopened
        else _("この団体の期限後の回答の受付を終えました。"),
    )
    return redirect(response.get_absolute_url())


@login_required
@require_POST
def send_back(request, pk: int, code: str):
    """The prefecture returns a municipality's submitted answer with a comment (差戻し)."""
    response = response_or_404(request, pk, code, permissions.RELAY_SURVEY)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            answering.send_back(
                response, comment=form.cleaned_data["comment"], actor=request.user, request=request
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("回答を差し戻しました。"))
    else:
        messages.error(request, _("差戻しの理由を入力してください。"))
    return redirect(response.get_absolute_url())


# --- offline: the organisation's own workbook ---------------------------------------------------


def _marked_key(request, response) -> str:
    return f"surveys:marked:{request.user.pk}:{response.pk}"


def _error_list(response, errors: dict[int, str]) -> list[tuple[int, str, str]]:
    """(number, question, message) of a refused upload, numbered as the answer form is, so the
    page names what to correct without opening the marked workbook first."""
    return [
        (number, question.text, errors[question.pk])
        for number, question in enumerate(response.survey.questions.all(), start=1)
        if question.pk in errors
    ]


@login_required
@require_GET
def template_xlsx(request, pk: int, code: str):
    """The organisation's answer workbook, with its current answers."""
    response = response_or_404(request, pk, code)
    data = sheets.template(response)
    name = f"survey-{response.survey_id}-{response.organization.code}.xlsx"
    return attachment(data, name, XLSX_CONTENT_TYPE)


@login_required
@require_POST
def upload(request, pk: int, code: str):
    """The filled workbook back: all answers or none; a wrong answer returns the workbook
    with each bad cell marked (kept an hour for its uploader to download)."""
    response = response_or_404(request, pk, code, permissions.ANSWER_SURVEY)
    form = UploadForm(request.POST, request.FILES)
    back = redirect(response.get_absolute_url())
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return back
    try:
        raw = sheets.read(response, form.cleaned_data["file"])
        answering.save_answers(
            response, raw, actor=request.user, request=request, submit=form.cleaned_data["submit"]
        )
    except sheets.TemplateRefused as refused:
        messages.error(request, str(refused))
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            errors = {int(key): " ".join(m) for key, m in error.message_dict.items()}
            marked = sheets.template(response, values=raw, errors=errors)
            cache.set(_marked_key(request, response), marked, 3600)
            cache.set(_marked_key(request, response) + ":list", _error_list(response, errors), 3600)
            messages.error(
                request,
                _(
                    "アップロードしたファイルに誤りが%(count)s件あります。何も保存していません。"
                    "誤りの箇所を示したファイルをダウンロードして直してください。"
                )
                % {"count": len(errors)},
            )
            return redirect(f"{response.get_absolute_url()}?marked=1")
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Excelの回答を取り込み、提出しました。")
            if form.cleaned_data["submit"]
            else _("Excelの回答を取り込みました（一時保存）。"),
        )
    return back


@login_required
@require_GET
def marked_xlsx(request, pk: int, code: str):
    """The last refused upload of this person for this response, each error marked."""
    response = response_or_404(request, pk, code, permissions.ANSWER_SURVEY)
    data = cache.get(_marked_key(request, response))
    if data is None:
        raise Http404
    name = f"survey-{response.survey_id}-{response.organization.code}-errors.xlsx"
    return attachment(data, name, XLSX_CONTENT_TYPE)
