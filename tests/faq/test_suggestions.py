"""The inquiry form's suggestions endpoint: published FAQs only, a count for screen readers."""

from __future__ import annotations

from django.urls import reverse


def test_suggestions_carry_a_count_for_the_live_region(client_for, alice, make_faq):
    make_faq("国民年金の手続について")
    make_faq("年金の届出について")
    html = client_for(alice).get(reverse("faq:suggest"), {"subject": "ねんきん"}).content.decode()
    assert 'id="faq-suggestion-count" hx-swap-oob="innerHTML"' in html
    assert "関連しそうなFAQが2件あります。" in html
    assert html.count("<li>") == 2


def test_nothing_typed_and_nothing_found_say_different_things(client_for, alice, make_faq):
    make_faq("国民年金の手続について")
    client = client_for(alice)
    empty = client.get(reverse("faq:suggest"), {"subject": "", "body": ""}).content.decode()
    assert "質問を入力すると" in empty and "見つかりませんでした" not in empty
    missing = client.get(reverse("faq:suggest"), {"body": "住民票コード"}).content.decode()
    assert "関連しそうなFAQは見つかりませんでした。" in missing


def test_editors_are_suggested_published_faqs_only(client_for, editor, make_faq):
    make_faq("年金の下書き", is_published=False)
    make_faq("年金の公開済み")
    html = client_for(editor).get(reverse("faq:suggest"), {"body": "年金"}).content.decode()
    assert "年金の公開済み" in html and "年金の下書き" not in html


def test_anonymous_users_are_sent_to_log_in(client, make_faq):
    make_faq("年金の公開済み")
    response = client.get(reverse("faq:suggest"), {"body": "年金"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_suggestions_are_one_query_after_the_session(
    client_for, alice, make_faq, django_assert_num_queries
):
    for index in range(3):
        make_faq(f"年金の質問{index}")
    client = client_for(alice)
    client.get(reverse("faq:suggest"), {"body": "年金"})  # warm the session and user
    # session, user, the suggestions
    with django_assert_num_queries(3):
        client.get(reverse("faq:suggest"), {"body": "年金"})
