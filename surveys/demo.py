"""Demo content: 厚生労働省's survey of the municipalities' consultation desks, via the
prefectures, open for three more weeks; 札幌市 has answered, 函館市 has a draft.

Loaded by ``manage.py load_demo`` after the demo accounts; idempotent (the survey is found
again by its title and issuer, and nothing is added twice).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from surveys import answering, services
from surveys.models import Response, Survey

TITLE = "番号制度に関する相談窓口の設置状況調査"
ISSUER = "mhlw@demo.example"
QUESTIONS = (
    {"kind": "yes_no", "text": "番号制度の相談窓口を設置しましたか", "required": True},
    {
        "kind": "number",
        "text": "窓口の担当職員数",
        "unit": "人",
        "min_value": 0,
        "max_value": 500,
        "required": True,
        "shown_if": 0,
        "shown_value": "はい",
    },
    {"kind": "single", "text": "運営の方式", "choices": "直営\n委託\n直営と委託の併用"},
    {"kind": "date", "text": "設置日（予定日）", "help_text": "2015/07/09 の形で入力します。"},
    {"kind": "multiple", "text": "対応する分野", "choices": "社会保障\n税\n災害対策"},
    {
        "kind": "table",
        "text": "窓口の一覧",
        "columns": [
            {"label": "窓口名", "kind": "short_text"},
            {"label": "職員数", "kind": "number", "min_value": 0},
        ],
    },
    {"kind": "long_text", "text": "課題や国への要望"},
)


@transaction.atomic
def load() -> str:
    issuer = User.objects.filter(email=ISSUER).select_related("organization").first()
    if issuer is None:
        return "no demo issuer"
    survey = Survey.objects.filter(title=TITLE, issuer=issuer.organization).first()
    if survey is not None:
        return f"survey {survey.pk} already loaded"
    today = timezone.localdate()
    survey = services.create_survey(
        actor=issuer,
        title=TITLE,
        purpose="住民からの問い合わせに備えた相談窓口の設置状況を伺います。"
        "都道府県を経由して回答してください。",
        audience="municipalities",
        opens_on=today - dt.timedelta(days=7),
        closes_on=today + dt.timedelta(days=21),
        via_prefectures=True,
    )
    made: list = []
    for spec in QUESTIONS:
        fields: dict[str, Any] = dict(spec)
        if "shown_if" in fields:
            fields["shown_if"] = made[fields["shown_if"]]
        made.append(services.save_question(survey, None, actor=issuer, **fields))
    services.publish(survey, actor=issuer)
    _answer(survey, made, "sapporo@demo.example", submit=True)
    _answer(survey, made, "hakodate@demo.example", submit=False)
    return f"survey {survey.pk} with {survey.responses.count()} respondents"


def _answer(survey, questions, email: str, *, submit: bool) -> None:
    user = User.objects.filter(email=email).first()
    if user is None:
        return
    response = Response.objects.get(survey=survey, organization=user.organization)
    answers = {
        questions[0].pk: "はい",
        questions[1].pk: "4" if submit else "",
        questions[2].pk: "直営",
        questions[3].pk: "2015/07/01",
        questions[4].pk: ["社会保障", "税"],
        questions[5].pk: [["本庁 市民課", "3"], ["区役所", "1"]],
    }
    answering.save_answers(response, answers, actor=user, submit=submit)
