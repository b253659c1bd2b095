"""Every write to a survey's design: the survey, its questions, publishing and copying it.

The answers and the prefecture's 取りまとめ are written by :mod:`surveys.answering`. Each
function is one transaction and checks everything before it writes, so bad input saves
nothing (:class:`django.core.exceptions.ValidationError` with Japanese messages, by field
where there is one). Every change is recorded in the audit trail (``Kind.CONTENT``).
"""

from __future__ import annotations

from collections.abc import Iterable
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
from surveys import rules
from surveys.models import Question, Response, ResponseStatus, Survey, SurveyStatus

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


def record_survey(survey: Survey, *, actor, request, detail: str, before=None, organization=None):
    """The survey's row in the trail: its state after the change, or (for a step of one
    ``organization``'s, such as 取りまとめ) that organisation and no snapshot."""
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
    if messages := rules.schedule_errors(survey.opens_on, survey.closes_on):
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
    record_survey(survey, actor=actor, request=request, detail="作成")
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
    record_survey(survey, actor=actor, request=request, before=before, detail="更新")
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
    record_survey(survey, actor=actor, request=request, before=before, detail="公開")
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
    record_survey(survey, actor=actor, request=request, before=before, detail="質問の保存")
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
    record_survey(survey, actor=actor, request=request, before=before, detail="質問の削除")


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
    record_survey(copy, actor=actor, request=request, detail=f"複製（survey:{survey.pk} から）")
    return copy
