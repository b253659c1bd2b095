"""The review side in English (issue 14): the meeting report's labels, the late list's
headers and the review events are in the reader's language, not left Japanese. Data (names
of organisations, work items and tasks, the 和暦 fiscal year) stays as it is."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from review import reports, workflow
from review.models import MinistryReview, ReviewEvent
from tests.factories import ReportJobFactory

pytestmark = pytest.mark.django_db

JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _header_rows(book) -> list[str]:
    """Every label the report writes itself: sheet names, the header rows, the notes."""
    texts = list(book.sheetnames)
    for name in book.sheetnames:
        sheet = book[name]
        if sheet.max_row >= 2:
            texts += [str(cell.value) for cell in sheet[2] if cell.value is not None]
    notes = book[book.sheetnames[-1]]
    texts += [str(row[0].value) for row in notes.iter_rows() if row[0].value]
    return texts


def test_the_meeting_report_is_english_for_an_english_reader(english, judged, coordinator):
    english.force_login(coordinator)
    book = load_workbook(io.BytesIO(english.get(reverse("review:report")).content))
    assert book.sheetnames == [
        "By work item",
        "By work item (chart)",
        "By prefecture",
        "By prefecture (chart)",
        "Organisations needing follow-up",
        "Notes",
    ]
    labels = _header_rows(book)
    assert [text for text in labels if JAPANESE.search(text)] == []
    assert "Completion rate = (done + not applicable) ÷ applicable plan entries" in labels
    late = [cell.value for cell in book["Organisations needing follow-up"][2]]
    assert late[:3] == ["Organisation code", "Prefectures", "Organisation"]
    # The organisations' names are data: still as they are called.
    names = {row[2].value for row in book["Organisations needing follow-up"].iter_rows(min_row=3)}
    assert "札幌市" in names
    assert book["By work item (chart)"]["A1"].value == "Completion rate by work item (%)"


def test_the_meeting_report_stays_japanese_for_a_japanese_reader(client, judged, coordinator):
    client.force_login(coordinator)
    book = load_workbook(io.BytesIO(client.get(reverse("review:report")).content))
    assert book.sheetnames[0] == "作業項目別" and book.sheetnames[-1] == "注記"


def test_a_report_built_by_the_worker_is_in_the_requesters_language(judged, coordinator):
    with translation.override("en"):
        job = ReportJobFactory(user=coordinator, programme=judged)
    assert job.language == "en"
    reports.run_job(job.pk)  # the worker: no request, the site's language active
    job.refresh_from_db()
    book = load_workbook(io.BytesIO(bytes(job.result)))
    assert book.sheetnames[0] == "By work item"
    assert book["By work item"]["A1"].value.startswith(judged.name)  # the programme: data


def test_the_late_list_export_has_english_headers(english, judged, coordinator):
    english.force_login(coordinator)
    response = english.get(reverse("review:late_export", args=["csv"]))
    text = b"".join(response.streaming_content) if response.streaming else response.content
    header = text.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Organisation code,Prefectures,Organisation,Class,Work item")
    assert not JAPANESE.search(header)


def test_a_stored_event_reads_in_each_readers_language(plans, reviewer, alice, mhlw):
    sapporo = alice.organization
    with translation.override("en"):  # written by someone using the English UI
        workflow.route_check(reviewer, sapporo, plans, [mhlw])
        review = MinistryReview.objects.get(plan_check__organization=sapporo, ministry=mhlw)
        workflow.review_check(reviewer, review, "needs_fix", "B の日程を見直してください。")
    event = ReviewEvent.objects.get(kind="verdict")
    # Stored once, in Japanese, whoever wrote it; the message and its values beside it.
    assert event.summary == f"{mhlw.full_name}が計画を確認しました：要修正（{sapporo.full_name}）"
    assert event.params["verdict"] == {"msgid": "要修正"}
    with translation.override("en"):
        english = event.text()
    with translation.override("ja"):
        japanese = event.text()
    assert english == f"{mhlw.full_name} checked the plan: Needs revision ({sapporo.full_name})"
    assert japanese == event.summary


def test_the_system_administrator_is_named_in_the_readers_language(plans, alice):
    from review import events

    event = events.record(
        events.Kind.ADVICE,
        organization=alice.organization,
        actor=None,
        message="%(who)sから助言がありました（%(organization)s）",
        params={"who": events.who(None), "organization": alice.organization.full_name},
        url="/",
        recipients=events.organization_side(alice.organization),
    )
    assert event.summary.startswith("システム管理者から助言がありました")
    with translation.override("en"):
        assert event.text().startswith("Advice from System administrator (")


def test_a_generated_reminder_body_reads_in_english(plans, prefecture_admin, alice):
    from orgs.models import Organization
    from review import reminders

    with translation.override("en"):
        reminders.remind(
            prefecture_admin, Organization.objects.filter(pk=alice.organization_id), plans
        )
    event = ReviewEvent.objects.get(kind="reminder")
    assert "まだ入力されていません" in event.body  # stored as written, in Japanese
    with translation.override("en"):
        body = event.body_text()
    assert body.startswith(f"The plan for {plans.name} (planned start and end dates)")
    assert not JAPANESE.search(body.replace(plans.name, ""))
