"""The survey desk at national size: a survey of 50 questions to all 1,788 organisations,
every one of them answered, against the same survey to 10 organisations.

Figures: the tracking and results pages' server time (median of :data:`RUNS`) and query counts
at 10 and 1,788 organisations (the counts must be equal: a page that grows with the audience
fails the run), and the results workbook's build time and peak memory (tracemalloc).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
import tracemalloc

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import benchmark, check_status, fail

QUESTIONS = 50
SMALL = 10
RUNS = 5
KINDS = ("single", "number", "yes_no", "multiple", "date", "short_text", "table")


def _survey(issuer, organizations, *, title: str):
    from surveys.models import Question, Survey

    today = timezone.localdate()
    survey = Survey.objects.create(
        issuer=issuer,
        title=title,
        audience="named",
        opens_on=today,
        closes_on=today + dt.timedelta(days=30),
        via_prefectures=True,
    )
    survey.organizations.set(organizations)
    Question.objects.bulk_create(
        [
            Question(
                survey=survey,
                order=n,
                kind=KINDS[n % len(KINDS)],
                text=f"質問{n + 1}",
                choices="はい\nいいえ\n検討中"
                if KINDS[n % len(KINDS)] in ("single", "multiple")
                else "",
                columns=[{"label": "名称", "kind": "short_text"}, {"label": "数", "kind": "number"}]
                if KINDS[n % len(KINDS)] == "table"
                else [],
            )
            for n in range(QUESTIONS)
        ]
    )
    return survey


def _value(kind: str, rng: random.Random):
    return {
        "single": rng.choice(["はい", "いいえ", "検討中"]),
        "number": str(rng.randint(0, 500)),
        "yes_no": rng.random() < 0.5,
        "multiple": ["はい", "検討中"],
        "date": "2015-07-09",
        "short_text": "回答テキスト",
        "table": [["本庁", "3"], ["支所", "1"]],
    }[kind]


def _answer_all(survey, actor, rng: random.Random) -> None:
    """Every response submitted, as the answering service leaves it (bulk, for the build)."""
    from surveys.models import Answer, Response, Revision

    questions = list(survey.questions.all())
    now = timezone.now()
    responses = list(survey.responses.all())
    answers, revisions = [], []
    for response in responses:
        values = {q.pk: _value(q.kind, rng) for q in questions}
        answers += [Answer(response=response, question_id=k, value=v) for k, v in values.items()]
        revisions.append(
            Revision(
                response=response,
                number=1,
                submitted_by=actor,
                submitted_at=now,
                values={str(k): v for k, v in values.items()},
            )
        )
    Answer.objects.bulk_create(answers, batch_size=5000)
    Revision.objects.bulk_create(revisions, batch_size=1000)
    Response.objects.filter(survey=survey).update(
        status="submitted", revision=1, submitted_by=actor, submitted_at=now
    )


def _page(client, url: str) -> tuple[float, int]:
    client.get(url)  # warm
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    check_status(url, response)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return round(statistics.median(samples), 1), len(queries)


@benchmark
def surveys_national() -> dict[str, float]:
    from accounts.demo import load_demo_accounts
    from orgs.loader import load_all
    from orgs.models import Organization, OrganizationKind
    from surveys import exports, services

    load_all()
    users = {user.email: user for user in load_demo_accounts()}
    issuer = users["mhlw@demo.example"]
    local = list(
        Organization.objects.filter(
            kind__in=(
                OrganizationKind.PREFECTURE,
                OrganizationKind.MUNICIPALITY,
                OrganizationKind.ASSOCIATION,
            )
        ).order_by("code")
    )
    rng = random.Random(2015)
    client = Client()
    client.force_login(issuer)
    figures: dict[str, float] = {"surveys.organizations": len(local)}
    for label, organizations in (("small", local[:SMALL]), ("national", local)):
        with transaction.atomic():
            survey = _survey(issuer.organization, organizations, title=label)
            start = time.perf_counter()
            services.publish(survey, actor=issuer)
            figures[f"surveys.{label}.publish_s"] = round(time.perf_counter() - start, 2)
            _answer_all(survey, issuer, rng)
        for page in ("tracking", "results"):
            ms, queries = _page(client, f"/surveys/{survey.pk}/{page}/")
            figures[f"surveys.{label}.{page}_ms"] = ms
            figures[f"surveys.{label}.{page}_queries"] = queries
        responses = survey.responses.all()
        start = time.perf_counter()
        data = exports.build_workbook(survey, responses)
        figures[f"surveys.{label}.workbook_s"] = round(time.perf_counter() - start, 2)
        tracemalloc.start()  # a second build: tracing slows every allocation several times
        exports.build_workbook(survey, responses)
        figures[f"surveys.{label}.workbook_peak_mb"] = round(
            tracemalloc.get_traced_memory()[1] / 2**20, 1
        )
        tracemalloc.stop()
        figures[f"surveys.{label}.workbook_kb"] = round(len(data) / 1024)
    for page in ("tracking", "results"):
        small, national = (figures[f"surveys.{s}.{page}_queries"] for s in ("small", "national"))
        if small != national:
            fail(f"surveys {page}: {small} queries at {SMALL} organisations, {national} at all")
    return figures
