"""The results page: counts and charts per choice question, statistics per number question and
the answers table, over the organisations the filters keep, as of any past day."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import permissions
from surveys import results as figures
from surveys.views import survey_or_404

# The answers table shows this many organisations a page; all of them are in the workbook and
# the CSV.
TABLE_ROWS = 50


def filtered(request, survey):
    """The survey's questions, the filters of the address, and the responses they keep (those
    the user may follow)."""
    questions = list(survey.questions.all())
    filters = figures.ResultFilter.from_query(request.GET, questions)
    responses = permissions.visible(request.user, survey.responses.all(), permissions.TRACK_SURVEY)
    return questions, filters, filters.apply(responses)


@login_required
@require_GET
def results(request, pk: int):
    """/surveys/<pk>/results/. A fixed number of queries whatever the number of organisations
    (tests/surveys/test_queries.py)."""
    survey = survey_or_404(request, pk, permissions.TRACK_SURVEY)
    questions, filters, responses = filtered(request, survey)
    as_of = filters.as_of
    rows = (
        figures.counted(responses, as_of)
        .select_related("organization__prefecture")
        .order_by("organization__code")
    )
    page = Paginator(rows, TABLE_ROWS).get_page(request.GET.get("page"))
    context = {
        "survey": survey,
        "questions": questions,
        "results": figures.results(questions, responses, as_of),
        "as_of": as_of,
        "filters": filters,
        "page": page,
        "table": figures.answers_table(questions, list(page), as_of),
        "prefectures": figures.prefectures(),
        "classes": figures.CLASS_CHOICES,
        "answer_options": figures.answer_options(questions),
    }
    return render(request, "surveys/results.html", context)
