"""Every write of the surveys app: views (and later the workbook import and tasks) call these.

Each function is one transaction and checks everything before it writes, so bad input saves
nothing (:class:`django.core.exceptions.ValidationError` with Japanese messages, by field
where there is one). Every change is recorded in the audit trail (``Kind.CONTENT``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from documents.scopes import audience_members
from orgs.models import Organization, OrganizationKind
from pmo import questions as kinds
from surveys import tally
from surveys.models import (
    Answer,
    Batch,
    Question,
    Response,
    ResponseStatus,
    ResultValue,
    Revision,
    Survey,
    SurveyStatus,
)

SURVEY_FIELDS = (
    "title",
    "purpose",
    "audience",
    "audience_classes",
    "opens_on",
    "closes_on",
    "via_prefectures",
    "status",
)
QUESTION_FIELDS = (
    "order",
    "kind",
    "text",
    "help_text",
    "required",
    "choices",
    "unit",
    "min_value",
    "max_value",
    "columns",
    "shown_if_id",
    "shown_value",
)
LOCAL_KINDS = (
    OrganizationKind.PREFECTURE,
    OrganizationKind.MUNICIPALITY,
    OrganizationKind.ASSOCIATION,
)


def today():
    return timezone.localdate()


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value.__class__.__name__ == "Decimal":
        return str(value)
    return value


def snapshot(survey: Survey) -> dict:
    values = {name: _plain(getattr(survey, name)) for name in SURVEY_FIELDS}
    if survey.pk:
        values["organizations"] = sorted(survey.organizations.values_list("code", flat=True))
        values["documents"] = sorted(survey.documents.values_list("pk", flat=True))
        values["questions"] = [
            {name: _plain(getattr(q, name)) for name in QUESTION_FIELDS}
            for q in survey.questions.all()
        ]
    return values


def _record(survey: Survey, *, actor, request, detail: str, before=None, organization=None):
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        organization=organization or survey.issuer,
        target=f"survey:{survey.pk} {survey.title}",
        before=before,
        after=snapshot(survey) if organization is None else None,
        detail=detail,
    )


def audience_organizations(survey: Survey):
    """The local governments the survey asks: its audience by the documents' rules, only
    local governments, and for a prefecture's survey only its own municipalities."""
    named = survey.organizations.through.objects.filter(survey_id=survey.pk).values(
        "organization_id"
    )
    rule = audience_members(survey.audience, survey.audience_classes, named)
    found = Organization.objects.filter(rule, kind__in=LOCAL_KINDS)
    if survey.issuer.kind == OrganizationKind.PREFECTURE:
        found = found.filter(prefecture_id=survey.issuer_id)
    return found


def _check_survey(survey: Survey, *, publishing: bool) -> None:
    errors: dict[str, list[str]] = {}
    if messages := kinds.schedule_errors(survey.opens_on, survey.closes_on):
        errors["closes_on"] = messages
    if publishing:
        if not survey.questions.exists():
            errors.setdefault("__all__", []).append(
                _("質問が1つもありません。質問を追加してから公開してください。")
            )
        if not audience_organizations(survey).exists():
            errors.setdefault("audience", []).append(
                _("照会先に該当する団体がありません。照会先を見直してください。")
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_survey(
    *, actor, request=None, organizations: Iterable = (), documents: Iterable = (), **fields
) -> Survey:
    survey = Survey(created_by=actor, issuer_id=actor.organization_id, **fields)
    _check_survey(survey, publishing=False)
    survey.save()
    survey.organizations.set(list(organizations))
    survey.documents.set(list(documents))
    _record(survey, actor=actor, request=request, detail="作成")
    return survey


@transaction.atomic
def update_survey(
    survey: Survey,
    *,
    actor,
    request=None,
    organizations: Iterable | None = None,
    documents: Iterable | None = None,
    **fields,
) -> Survey:
    before = snapshot(survey)
    for name, value in fields.items():
        setattr(survey, name, value)
    _check_survey(survey, publishing=False)
    survey.save()
    if organizations is not None:
        survey.organizations.set(list(organizations))
    if documents is not None:
        survey.documents.set(list(documents))
    if survey.is_published:
        _check_survey(survey, publishing=True)  # the audience may have emptied
        sync_responses(survey)
    _record(survey, actor=actor, request=request, before=before, detail="更新")
    return survey


def sync_responses(survey: Survey) -> int:
    """A response row for every organisation in the audience (made ``not_started``); rows of
    organisations no longer asked go if nobody started them. Returns how many were made."""
    wanted = set(audience_organizations(survey).values_list("pk", flat=True))
    have = set(survey.responses.values_list("organization_id", flat=True))
    Response.objects.bulk_create(
        [Response(survey=survey, organization_id=org_id) for org_id in sorted(wanted - have)],
        batch_size=500,
    )
    survey.responses.filter(status=ResponseStatus.NOT_STARTED).exclude(
        organization_id__in=wanted
    ).delete()
    return len(wanted - have)


@transaction.atomic
def publish(survey: Survey, *, actor, request=None) -> Survey:
    before = snapshot(survey)
    _check_survey(survey, publishing=True)
    for question in survey.questions.all():
        if problems := kinds.spec_errors(question.spec()):
            raise ValidationError(
                _("質問「%(text)s」: %(problems)s")
                % {"text": question.text, "problems": " ".join(problems)}
            )
    survey.status = SurveyStatus.PUBLISHED
    survey.published_at = survey.published_at or timezone.now()
    survey.save(update_fields=["status", "published_at", "updated_at"])
    sync_responses(survey)
    _record(survey, actor=actor, request=request, before=before, detail="公開")
    return survey


def _check_question(survey: Survey, question: Question) -> None:
    errors: dict[str, list[str]] = {}
    if problems := kinds.spec_errors(question.spec()):
        errors["choices" if question.kind in kinds.CHOICE_KINDS else "kind"] = problems
    if question.shown_if_id:
        earlier = survey.questions.filter(pk=question.shown_if_id)
        if question.pk:
            earlier = earlier.filter(
                Q(order__lt=question.order) | Q(order=question.order, pk__lt=question.pk)
            )
        if not earlier.exists():
            errors["shown_if"] = [_("条件には、この質問より前の質問を選んでください。")]
        elif not question.shown_value.strip():
            errors["shown_value"] = [_("条件となる回答を入力してください。")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_question(
    survey: Survey, question: Question | None, *, actor, request=None, **fields
) -> Question:
    """Add (``question`` None) or change a question of ``survey``."""
    before = snapshot(survey)
    if question is None:
        last = survey.questions.aggregate(last=Max("order"))["last"]
        question = Question(survey=survey, order=(last or 0) + 10)
    elif survey.is_published and fields.get("kind", question.kind) != (
        Question.objects.filter(pk=question.pk).values_list("kind", flat=True).first()
    ):  # read from the row: a model form has already put the new kind on the instance
        # Answers already given are of the old kind: a new kind would misread them.
        raise ValidationError({"kind": [_("公開後は質問の種類を変えられません。")]})
    for name, value in fields.items():
        setattr(question, name, value)
    _check_question(survey, question)
    question.save()
    _record(survey, actor=actor, request=request, before=before, detail="質問の保存")
    return question


@transaction.atomic
def delete_question(question: Question, *, actor, request=None) -> None:
    survey = question.survey
    before = snapshot(survey)
    if survey.is_published:
        raise ValidationError(_("公開後は質問を削除できません（回答が失われるため）。"))
    if survey.questions.filter(shown_if=question).exists():
        raise ValidationError(
            _("この質問を条件にしている質問があります。先にその条件を外してください。")
        )
    question.delete()
    _record(survey, actor=actor, request=request, before=before, detail="質問の削除")


@transaction.atomic
def copy_survey(survey: Survey, *, actor, request=None) -> Survey:
    """A new draft of the actor's organisation with the same questions (conditions kept,
    pointing at the copies), audience and documents; dates kept for the issuer to move."""
    copy = Survey.objects.create(
        issuer_id=actor.organization_id,
        title=_("%(title)s（複製）") % {"title": survey.title},
        purpose=survey.purpose,
        audience=survey.audience,
        audience_classes=survey.audience_classes,
        opens_on=survey.opens_on,
        closes_on=survey.closes_on,
        via_prefectures=survey.via_prefectures,
        copied_from=survey,
        created_by=actor,
    )
    copy.organizations.set(survey.organizations.all())
    copy.documents.set(survey.documents.all())
    mapping: dict[int, Question] = {}
    for question in survey.questions.all():
        old_pk = question.pk
        condition = question.shown_if_id
        question.pk = None
        question.survey = copy
        question.shown_if = mapping.get(condition) if condition else None
        question.save()
        mapping[old_pk] = question
    _record(copy, actor=actor, request=request, detail=f"複製（survey:{survey.pk} から）")
    return copy


# --- answering --------------------------------------------------------------------------------


def questions_for(survey: Survey) -> list[tuple[int, kinds.Spec, kinds.Condition | None]]:
    return [(q.pk, q.spec(), q.condition()) for q in survey.questions.all()]


def answers_of(responses) -> dict[int, dict[int, Any]]:
    """The current answers of ``responses``, by response id then question id (one query)."""
    found: dict[int, dict[int, Any]] = {}
    for response_id, question_id, value in Answer.objects.filter(
        response__in=responses
    ).values_list("response_id", "question_id", "value"):
        found.setdefault(response_id, {})[question_id] = value
    return found


def current_values(response: Response) -> dict[int, Any]:
    return dict(response.answers.values_list("question_id", "value"))


def check_answerable(response: Response) -> None:
    survey = response.survey
    if not kinds.is_answerable(
        today(), survey.opens_on, survey.closes_on, reopened=response.reopened
    ):
        if today() < survey.opens_on:
            raise ValidationError(
                _("回答の受付は %(date)s からです。")
                % {"date": survey.opens_on.strftime("%Y/%m/%d")}
            )
        raise ValidationError(
            _("回答期限（%(date)s）を過ぎています。照会元に再開を依頼してください。")
            % {"date": survey.closes_on.strftime("%Y/%m/%d")}
        )


@transaction.atomic
def save_answers(
    response: Response, raw: Mapping[int, Any], *, actor, request=None, submit: bool = False
) -> Response:
    """Save the answers as a draft, or submit them (``submit``): every answer checked first,
    nothing written when one is wrong (``ValidationError`` keyed by question id)."""
    response = Response.objects.select_for_update().select_related("survey").get(pk=response.pk)
    check_answerable(response)
    questions = questions_for(response.survey)
    values, errors = kinds.clean_all(questions, raw, submitting=submit)
    if errors:
        raise ValidationError({str(key): [message] for key, message in errors.items()})
    before = current_values(response)
    response.answers.all().delete()
    Answer.objects.bulk_create(
        [
            Answer(response=response, question_id=key, value=value)
            for key, value in values.items()
            if value is not None
        ]
    )
    now = timezone.now()
    response.updated_by, response.updated_at = actor, now
    if submit:
        response.status = ResponseStatus.SUBMITTED
        response.revision += 1
        response.submitted_by, response.submitted_at = actor, now
        Revision.objects.create(
            response=response,
            number=response.revision,
            submitted_by=actor,
            submitted_at=now,
            values={str(k): v for k, v in values.items() if v is not None},
        )
        _count_submission(response, questions, values, now)
    elif response.status == ResponseStatus.NOT_STARTED:
        response.status = ResponseStatus.DRAFT
    response.save()
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        organization=response.organization,
        target=f"survey:{response.survey_id} {response.survey.title}",
        before={"status": None, "answers": {str(k): v for k, v in before.items()}},
        after={
            "status": response.status,
            "revision": response.revision,
            "answers": {str(k): v for k, v in values.items() if v is not None},
        },
        detail="回答の提出" if submit else "回答の一時保存",
    )
    return response


def _count_submission(response: Response, questions, values: dict, now) -> None:
    """The submission's rows for the results (:class:`ResultValue`); the previous
    submission's rows end now (one UPDATE, one INSERT)."""
    ResultValue.objects.filter(response=response, superseded_at__isnull=True).update(
        superseded_at=now
    )
    kind_of = {key: spec.kind for key, spec, _condition in questions}
    ResultValue.objects.bulk_create(
        [
            ResultValue(
                response=response,
                question_id=key,
                choice=choice,
                number=number,
                first=index == 0,
                submitted_at=now,
            )
            for key, value in values.items()
            for index, (choice, number) in enumerate(tally.rows(kind_of[key], value))
        ]
    )


def _response_event(response: Response, *, actor, request, detail: str, after: dict) -> None:
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        organization=response.organization,
        target=f"survey:{response.survey_id} {response.survey.title}",
        after=after,
        detail=detail,
    )


@transaction.atomic
def set_reopened(response: Response, *, reopened: bool, actor, request=None) -> Response:
    """The issuer accepts (or stops accepting) this organisation's answers after closing."""
    response.reopened = reopened
    response.save(update_fields=["reopened"])
    _response_event(
        response,
        actor=actor,
        request=request,
        detail="期限後の回答を許可" if reopened else "期限後の回答の許可を取消",
        after={"reopened": reopened},
    )
    return response


@transaction.atomic
def send_back(response: Response, *, comment: str, actor, request=None) -> Response:
    """The prefecture returns a submitted answer to its municipality with a comment."""
    if not comment.strip():
        raise ValidationError({"comment": [_("差戻しの理由を入力してください。")]})
    if response.status != ResponseStatus.SUBMITTED:
        raise ValidationError(_("提出済みの回答だけを差し戻せます。"))
    response.status = ResponseStatus.RETURNED
    response.relay_comment = comment.strip()
    response.save(update_fields=["status", "relay_comment"])
    Batch.objects.filter(
        survey_id=response.survey_id, prefecture_id=response.organization.prefecture_id
    ).delete()
    _response_event(
        response, actor=actor, request=request, detail="差戻し", after={"comment": comment}
    )
    return response


@transaction.atomic
def confirm_batch(survey: Survey, prefecture: Organization, *, actor, request=None) -> Batch:
    """取りまとめ: the prefecture vouches for its municipalities' answers, all submitted."""
    pending = survey.responses.filter(organization__prefecture=prefecture).exclude(
        status=ResponseStatus.SUBMITTED
    )
    if count := pending.count():
        raise ValidationError(
            _("未提出の団体が%(count)s団体あります。すべて提出されてから取りまとめてください。")
            % {"count": count}
        )
    batch, _created = Batch.objects.update_or_create(
        survey=survey,
        prefecture=prefecture,
        defaults={"confirmed_by": actor, "confirmed_at": timezone.now()},
    )
    _record(survey, actor=actor, request=request, detail="取りまとめ", organization=prefecture)
    return batch
