"""The survey desk at national size: a survey of 50 questions to all 1,788 organisations,
every one of them answered, against the same survey to 10 organisations.

Everything is built through the product's own services, as the screens do: the survey and its
questions by ``create_survey``/``save_question``, ``publish``, and every organisation's answer
by ``save_answers`` (a draft of half the answers, then the submission; one organisation in ten
corrects and submits again, so the history holds superseded submissions as it does in use).

Figures: the tracking and results pages' server time (median of :data:`RUNS`, with their
spread) and query counts at 10 and 1,788 organisations (the counts must be equal: a page that
grows with the audience fails the run), the results page filtered by an answer and as of a
day, the streamed CSV, and the results workbook's build time and peak memory (tracemalloc).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
import tracemalloc

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import urlencode

from bench import benchmark, budget, check_status, fail, spread

QUESTIONS = 50
SMALL = 10
RUNS = 7
WORKBOOK_RUNS = 2
KINDS = ("single", "number", "yes_no", "multiple", "date", "short_text", "table")
CHOICES = ("はい", "いいえ", "検討中")
PAGE_MS = 150  # the results and tracking pages at 1,788 organisations, median
WORKBOOK_S = 60
WORKBOOK_PEAK_MB = 200


def _progress(message: str) -> None:
    if os.environ.get("BENCH_DEBUG"):
        print(message, file=sys.stderr, flush=True)


def _survey(issuer, organizations, *, title: str):
    from surveys import services

    today = timezone.localdate()
    survey = services.create_survey(
        actor=issuer,
        organizations=organizations,
        title=title,
        audience="named",
        opens_on=today,
        closes_on=today + dt.timedelta(days=30),
        via_prefectures=True,
    )
    for n in range(QUESTIONS):
        kind = KINDS[n % len(KINDS)]
        services.save_question(
            survey,
            None,
            actor=issuer,
            kind=kind,
            text=f"質問{n + 1}",
            choices="\n".join(CHOICES) if kind in ("single", "multiple") else "",
            unit="人" if kind == "number" else "",
            columns=[{"label": "名称", "kind": "short_text"}, {"label": "数", "kind": "number"}]
            if kind == "table"
            else [],
        )
    services.publish(survey, actor=issuer)
    return survey


def _typed(kind: str, rng: random.Random):
    """What a respondent types for a question of ``kind`` (form values, not stored ones)."""
    return {
        "single": lambda: rng.choice(CHOICES),
        "number": lambda: str(rng.randint(0, 500)),
        "yes_no": lambda: rng.choice(("はい", "いいえ")),
        "multiple": lambda: rng.sample(CHOICES, rng.randint(1, 3)),
        "date": lambda: f"2015/07/{rng.randint(1, 28):02d}",
        "short_text": lambda: "回答テキスト",
        "table": lambda: [["本庁", str(rng.randint(1, 9))], ["支所", "1"]],
    }[kind]()


def _answer_all(survey, rng: random.Random) -> float:
    """Every organisation answers through the answering service: a draft, then the
    submission (one in ten submits a correction). Returns the seconds per submission."""
    from surveys import answering

    questions = list(survey.questions.all())
    responses = list(survey.responses.select_related("organization").order_by("pk"))
    start = time.perf_counter()
    for number, response in enumerate(responses):
        raw = {q.pk: _typed(q.kind, rng) for q in questions}
        half = dict(list(raw.items())[: QUESTIONS // 2])
        answering.save_answers(response, half, actor=None)
        answering.save_answers(response, raw, actor=None, submit=True)
        if number % 10 == 0:
            raw = {**raw, questions[0].pk: rng.choice(CHOICES)}
            answering.save_answers(response, raw, actor=None, submit=True)
        if number % 200 == 0:
            _progress(f"surveys: {number:,} of {len(responses):,} answered")
    return (time.perf_counter() - start) / max(len(responses), 1)


def _page(name: str, client: Client, url: str) -> dict[str, float]:
    """``name``_ms (median of :data:`RUNS` warm requests, with its spread) and _queries."""
    check_status(name, client.get(url))  # warm
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        check_status(name, response)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return {**spread(f"{name}_ms", samples, 1), f"{name}_queries": len(queries)}


def _check_results(label: str, survey, client: Client, expected: int) -> None:
    """The results count every organisation: a single choice's counts add up to all."""
    page = client.get(f"/surveys/{survey.pk}/results/")
    first = page.context["results"][0]
    if sum(count for _label, count in first.counts) != expected or first.answered != expected:
        fail(f"surveys {label}: the first question counts {first.counts}, expected {expected}")
    if page.context["page"].paginator.count != expected:
        fail(f"surveys {label}: the answers table holds {page.context['page'].paginator.count}")


def _workbook(prefix: str, survey) -> dict[str, float]:
    from surveys import exports

    responses = survey.responses.all()
    seconds = []
    for _ in range(WORKBOOK_RUNS):
        start = time.perf_counter()
        data = exports.build_workbook(survey, responses)
        seconds.append(time.perf_counter() - start)
    tracemalloc.start()  # a run of its own: tracing slows every allocation several times
    exports.build_workbook(survey, responses)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        **spread(f"{prefix}.workbook_s", seconds),
        f"{prefix}.workbook_peak_mb": round(peak, 1),
        f"{prefix}.workbook_kb": round(len(data) / 1024),
    }


def _csv(prefix: str, client: Client, survey) -> dict[str, float]:
    start = time.perf_counter()
    response = client.get(f"/surveys/{survey.pk}/results.csv")
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    return {f"{prefix}.csv_s": round(time.perf_counter() - start, 2), f"{prefix}.csv_lines": lines}


@benchmark
def surveys_national() -> dict[str, float]:
    from accounts.demo import load_demo_accounts
    from orgs.loader import load_all
    from orgs.models import Organization, OrganizationKind

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
    today = timezone.localdate().strftime("%Y/%m/%d")
    figures: dict[str, float] = {"surveys.organizations": len(local)}
    for label, organizations in (("small", local[:SMALL]), ("national", local)):
        prefix = f"surveys.{label}"
        start = time.perf_counter()
        survey = _survey(issuer, organizations, title=label)
        figures[f"{prefix}.publish_s"] = round(time.perf_counter() - start, 2)
        figures[f"{prefix}.submit_ms"] = round(_answer_all(survey, rng) * 1000, 1)
        with connection.cursor() as cursor:  # as autovacuum would have by now (it is off here)
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        _check_results(label, survey, client, len(organizations))
        choice = survey.questions.get(text="質問1")
        base = f"/surveys/{survey.pk}"
        by_answer = {"answer": f"{choice.pk}:はい", "class": "city"}
        for page, url in (
            ("tracking", f"{base}/tracking/"),
            ("results", f"{base}/results/"),
            ("results_by_answer", f"{base}/results/?{urlencode(by_answer)}"),
            ("results_as_of", f"{base}/results/?{urlencode({'as_of': today})}"),
        ):
            figures |= _page(f"{prefix}.{page}", client, url)
        figures |= _csv(prefix, client, survey)
        figures |= _workbook(prefix, survey)
        _progress(f"surveys: {label} measured")
    for page in ("tracking", "results", "results_by_answer", "results_as_of"):
        small, national = (figures[f"surveys.{s}.{page}_queries"] for s in ("small", "national"))
        if small != national:
            fail(f"surveys {page}: {small} queries at {SMALL} organisations, {national} at all")
        budget(f"surveys.national.{page}_ms", PAGE_MS)
    if figures["surveys.national.csv_lines"] != len(local) + 1:
        fail(f"surveys csv: {figures['surveys.national.csv_lines']} lines for {len(local)}")
    budget("surveys.national.workbook_s", WORKBOOK_S)
    budget("surveys.national.workbook_peak_mb", WORKBOOK_PEAK_MB)
    return figures
