"""Script in a question, an answer, an inquiry or a search is never executed where it is shown."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from faq import inquiries, services
from faq.models import FAQ

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;"


def _safe(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html and "onerror=alert" not in html.replace(
        "onerror=alert(1)&gt;", ""
    )


@pytest.fixture
def evil_faq(make_faq):
    other = make_faq(f"関連 {XSS}")
    faq = make_faq(
        f"年金 {XSS}",
        f'<p>年金の答え {XSS}</p><a href="javascript:alert(1)">リンク</a>'
        '<p onclick="alert(1)">p</p><style>p{}</style><iframe src="x"></iframe>',
        related=[other],
        related_documents=[{"title": XSS, "url": "javascript:alert(1)"}],
    )
    FAQ.objects.filter(pk=faq.pk).update(view_count=10)
    return faq


def test_stored_answer_is_sanitised(evil_faq):
    answer = evil_faq.answer
    assert "<script" not in answer and "onerror" not in answer and "onclick" not in answer
    assert "javascript:" not in answer and "<iframe" not in answer and "<style" not in answer


@pytest.mark.parametrize("query", ["", "年金", XSS, "script"])
def test_index_and_search_results(client_for, alice, evil_faq, query):
    html = client_for(alice).get("/faq/", {"q": query}).content.decode()
    _safe(html)


def test_detail(client_for, alice, evil_faq):
    html = client_for(alice).get(evil_faq.get_absolute_url()).content.decode()
    _safe(html)
    assert ESCAPED in html  # the question is shown as text
    assert 'href="javascript:' not in html


def test_answer_links_get_noopener(make_faq):
    faq = make_faq("q", '<p><a href="https://www.mhlw.go.jp/">厚生労働省</a></p>')
    assert faq.answer == (
        '<p><a href="https://www.mhlw.go.jp/" rel="noopener noreferrer">厚生労働省</a></p>'
    )


def test_suggestions(client_for, alice, evil_faq):
    html = client_for(alice).get(reverse("faq:suggest"), {"body": "年金"}).content.decode()
    assert "年金" in html
    _safe(html)


def test_inquiry_pages_and_report(client_for, alice, editor):
    inquiry = inquiries.submit_inquiry(asker=alice, subject=f"件名 {XSS}", body=f"本文 {XSS}")
    inquiries.assign(inquiry, assignee=editor)
    inquiries.answer(inquiry, text=f"回答 {XSS}", by=editor)
    inquiries.add_attachment(
        inquiry, SimpleUploadedFile(f"{XSS}.txt".replace("/", ""), b"plain text")
    )
    services.record_miss(XSS)
    for client in (client_for(alice), client_for(editor)):
        for url in ("/inquiries/", inquiry.get_absolute_url()):
            html = client.get(url).content.decode()
            _safe(html)
            assert ESCAPED in html
    _safe(client_for(editor).get(reverse("faq:report")).content.decode())


def test_published_inquiry_becomes_safe_faq(client_for, alice, editor):
    inquiry = inquiries.submit_inquiry(asker=alice, subject="s", body=f"質問 {XSS}")
    inquiries.assign(inquiry, assignee=editor)
    inquiries.answer(inquiry, text=f"回答 {XSS}", by=editor)
    faq = inquiries.publish_as_faq(inquiry)
    html = client_for(alice).get(faq.get_absolute_url()).content.decode()
    _safe(html)
    assert ESCAPED in html


def test_inquiry_form_echoes_query_as_text(client_for, alice):
    html = client_for(alice).get("/inquiries/new/", {"q": XSS}).content.decode()
    _safe(html)
