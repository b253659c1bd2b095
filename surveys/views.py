"""The issuer's screens: the list of surveys, a survey's page, designing, publishing, copying.

Every object comes through ``accounts.permissions``; what a user may not reach answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from surveys import selectors, services
from surveys.forms import QuestionForm, SurveyForm
from surveys.models import Question, Survey


def survey_or_404(request, pk: int, action: str = permissions.VIEW) -> Survey:
    return permissions.get_visible_or_404(
        request, Survey.objects.select_related("issuer"), action, pk=pk
    )


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            field = name if name in form.fields else None
            for message in messages_:
                form.add_error(field, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


@login_required
def index(request):
    """/surveys/: what my organisation is asked; what I issued or follow; what I relay."""
    permissions.require(request, permissions.SURVEY_DESK)
    user = request.user
    context = {
        "to_answer": list(selectors.surveys_to_answer(user)),
        "issued": list(selectors.issued_surveys(user)),
        "relayed": list(selectors.relayed_surveys(user)),
        "can_issue": permissions.can(user, permissions.ISSUE_SURVEYS),
    }
    return render(request, "surveys/index.html", context)


@login_required
def create(request):
    permissions.require(request, permissions.ISSUE_SURVEYS)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.create_survey(
                actor=request.user,
                request=request,
                organizations=form.cleaned_data["organizations"],
                documents=form.cleaned_data["document_ids"],
                **form.survey_fields(),
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("照会を作成しました。続けて質問を追加してください。"))
            return redirect(survey)
    return render(request, "surveys/form.html", {"form": form})


@login_required
def edit(request, pk: int):
    survey = survey_or_404(request, pk, permissions.MANAGE_SURVEY)
    form = SurveyForm(request.POST or None, instance=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_survey(
                survey,
                actor=request.user,
                request=request,
                organizations=form.cleaned_data["organizations"],
                documents=form.cleaned_data["document_ids"],
                **form.survey_fields(),
            )
        except ValidationError as error:
            survey.refresh_from_db()
            _form_errors(form, error)
        else:
            messages.success(request, _("照会を保存しました。"))
            return redirect(survey)
    return render(request, "surveys/form.html", {"form": form, "survey": survey})


@login_required
def detail(request, pk: int):
    survey = survey_or_404(request, pk)
    user = request.user
    own = None
    if user.organization_id:
        own = survey.responses.filter(organization_id=user.organization_id).first()
    context = {
        "survey": survey,
        "questions": list(survey.questions.select_related("shown_if")),
        "documents": list(
            permissions.visible(user, survey.documents.all()).order_by("-published_at")
        ),
        "own_response": own,
        "can_manage": permissions.can(user, permissions.MANAGE_SURVEY, survey),
        "can_track": permissions.can(user, permissions.TRACK_SURVEY, survey),
        "can_relay": survey.via_prefectures
        and permissions.visible(user, survey.responses.all(), permissions.RELAY_SURVEY).exists(),
        "can_issue": permissions.can(user, permissions.ISSUE_SURVEYS),
    }
    return render(request, "surveys/detail.html", context)


@login_required
def question_form(request, pk: int, question_id: int | None = None):
    survey = survey_or_404(request, pk, permissions.MANAGE_SURVEY)
    question = None
    if question_id is not None:
        question = permissions.get_visible_or_404(
            request,
            Question.objects.filter(survey=survey),
            permissions.MANAGE_SURVEY,
            pk=question_id,
        )
    form = QuestionForm(request.POST or None, instance=question, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_question(
                survey, question, actor=request.user, request=request, **form.question_fields()
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("質問を保存しました。"))
            return redirect(survey)
    context = {
        "form": form,
        "fields": form.fields_with_kinds(),
        "survey": survey,
        "question": question,
    }
    return render(request, "surveys/question_form.html", context)


@login_required
@require_POST
def question_delete(request, pk: int, question_id: int):
    survey = survey_or_404(request, pk, permissions.MANAGE_SURVEY)
    question = permissions.get_visible_or_404(
        request, Question.objects.filter(survey=survey), permissions.MANAGE_SURVEY, pk=question_id
    )
    try:
        services.delete_question(question, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("質問を削除しました。"))
    return redirect(survey)


@login_required
@require_POST
def publish(request, pk: int):
    survey = survey_or_404(request, pk, permissions.MANAGE_SURVEY)
    try:
        services.publish(survey, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("照会を公開しました。照会先の団体が回答できます。"))
    return redirect(survey)


@login_required
@require_POST
def copy(request, pk: int):
    """Start the next survey from this one (a draft of the copier's organisation)."""
    permissions.require(request, permissions.ISSUE_SURVEYS)
    survey = survey_or_404(request, pk, permissions.TRACK_SURVEY)
    new = services.copy_survey(survey, actor=request.user, request=request)
    messages.success(request, _("照会を複製しました。件名と日付を見直してください。"))
    return redirect(new)
