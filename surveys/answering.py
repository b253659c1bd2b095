"""Every write to a survey's responses: answers saved or submitted, reopened, sent back, 取りまとめ.

As in :mod:`surveys.services`, each function is one transaction and checks everything before
it writes (a :class:`django.core.exceptions.ValidationError` with Japanese messages, keyed by
question id for answers), and every change is recorded in the audit trail
(``Kind.CONTENT``). A submission also writes its rows for the results (:class:`ResultValue`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from orgs.models import Organization
from pmo import questions as kinds
from surveys import rules, tally
from surveys.models import Answer, Batch, Response, ResponseStatus, ResultValue, Revision, Survey
from surveys.services import record_survey, today


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
    if not rules.is_answerable(
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
    _response_event(
        response,
        actor=actor,
        request=request,
        detail="回答の提出" if submit else "回答の一時保存",
        before={"status": None, "answers": {str(k): v for k, v in before.items()}},
        after={
            "status": response.status,
            "revision": response.revision,
            "answers": {str(k): v for k, v in values.items() if v is not None},
        },
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


def _response_event(
    response: Response, *, actor, request, detail: str, after: dict, before: dict | None = None
) -> None:
    """The response's row in the trail, under its organisation and survey."""
    audit.record(
        audit.Kind.CONTENT,
        request=request,
        actor=actor,
        organization=response.organization,
        target=f"survey:{response.survey_id} {response.survey.title}",
        before=before,
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
    record_survey(
        survey, actor=actor, request=request, detail="取りまとめ", organization=prefecture
    )
    return batch
