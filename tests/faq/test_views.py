"""FAQ pages: search, no-result path, detail, votes, bad input, and fixed query counts."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.urls import reverse

from faq import services
from faq.models import FAQ, FAQVote, SearchMiss

pytestmark = pytest.mark.django_db


def test_index_needs_login(client):
    response = client.get("/faq/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_search_finds_highlights_and_counts_nothing_missed(client_for, alice, make_faq):
    make_faq("中間サーバーとは何ですか。", "<p>中間サーバー・プラットフォームを利用します。</p>")
    response = client_for(alice).get("/faq/", {"q": "中間ｻｰﾊﾞｰ"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<mark>中間サーバー</mark>とは何ですか。" in body
    assert "検索結果 1件" in body
    assert not SearchMiss.objects.exists()


def test_no_result_offers_the_prefilled_inquiry_and_records_the_miss(client_for, alice, make_faq):
    make_faq("中間サーバーとは何ですか。")
    response = client_for(alice).get("/faq/", {"q": "住民票の写し"})
    body = response.content.decode()
    assert "該当するFAQは見つかりませんでした" in body
    assert f'href="/inquiries/new/?q={quote("住民票の写し")}"' in body
    assert "質問する" in body
    assert SearchMiss.objects.get().query_norm == "住民票の写し"


@pytest.mark.parametrize(
    ("query", "message"),
    [("あ" * 1000, "検索語が長すぎます"), ("\x00\x01\x7f", ""), ("%", ""), ("'; DROP TABLE", "")],
)
def test_bad_queries_never_fail(client_for, alice, make_faq, query, message):
    make_faq("年金の質問")
    response = client_for(alice).get("/faq/", {"q": query})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_unknown_filter_value_is_an_empty_list_not_an_error(client_for, alice, make_faq):
    make_faq("年金の質問", work_item="A")
    response = client_for(alice).get("/faq/", {"work_item": "Z"})
    assert response.status_code == 200
    assert "年金の質問" not in response.content.decode()


def test_filters_by_work_item(client_for, alice, make_faq):
    make_faq("Aの質問", work_item="A")
    make_faq("Bの質問", work_item="B")
    body = client_for(alice).get("/faq/", {"work_item": "B"}).content.decode()
    assert "Bの質問" in body and "Aの質問" not in body


def test_most_viewed_and_newest_lists(client_for, alice, make_faq):
    popular = make_faq("人気の質問")
    FAQ.objects.filter(pk=popular.pk).update(view_count=50)
    response = client_for(alice).get("/faq/")
    assert response.context["most_viewed"][0] == popular
    assert len(response.context["newest"]) == 1


def test_detail_counts_views_and_shows_related(client_for, alice, make_faq):
    other = make_faq("関連の質問")
    faq = make_faq("本体の質問", related=[other])
    client = client_for(alice)
    response = client.get(faq.get_absolute_url())
    client.get(faq.get_absolute_url())
    assert response.status_code == 200
    assert "関連の質問" in response.content.decode()
    faq.refresh_from_db()
    assert faq.view_count == 2


def test_unpublished_faq_is_404_for_staff_but_visible_to_editors(
    client_for, alice, editor, make_faq
):
    draft = make_faq("下書き", is_published=False)
    assert client_for(alice).get(draft.get_absolute_url()).status_code == 404
    assert client_for(editor).get(draft.get_absolute_url()).status_code == 200


def test_unknown_number_is_404(client_for, alice):
    assert client_for(alice).get("/faq/FAQ-9999/").status_code == 404


def test_vote_once_per_user_with_htmx(client_for, alice, bob, make_faq):
    faq = make_faq()
    url = reverse("faq:vote", args=[faq.number])
    client = client_for(alice)
    first = client.post(url, HTTP_HX_REQUEST="true")
    again = client.post(url, HTTP_HX_REQUEST="true")
    assert "ご意見ありがとうございました" in first.content.decode()
    assert "回答済み" in again.content.decode()
    client_for(bob).post(url)
    faq.refresh_from_db()
    assert faq.helpful_count == 2
    assert FAQVote.objects.count() == 2


def test_vote_needs_post(client_for, alice, make_faq):
    faq = make_faq()
    assert client_for(alice).get(reverse("faq:vote", args=[faq.number])).status_code == 405


def test_suggest_lists_matching_faqs(client_for, alice, make_faq):
    make_faq("中間サーバーを調達する必要はありますか。")
    response = client_for(alice).get(reverse("faq:suggest"), {"body": "中間サーバーの調達は？"})
    assert "中間サーバーを調達する必要はありますか。" in response.content.decode()


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # session, user, page count, page rows, most viewed, newest
        ("/faq/", 6),
        # session, user, page count, page rows
        ("/faq/?q=質問", 4),
        ("/faq/?work_item=A", 4),
    ],
)
def test_list_query_count_is_fixed_for_2_and_50_faqs(
    client_for, alice, make_faq, django_assert_num_queries, url, expected
):
    client = client_for(alice)
    for n in range(2):
        make_faq(f"質問 {n}", work_item="A")
    client.get(url)  # the session's first touch writes it
    with django_assert_num_queries(expected):
        client.get(url)
    for n in range(48):
        make_faq(f"質問 {n + 2}", work_item="A")
    with django_assert_num_queries(expected):
        client.get(url)


def test_the_shipped_faq_file_is_whole():
    """faq/data/seed.toml is content that people edit by hand: every entry names a real work
    item and field, no question is there twice, and related entries point at other entries."""
    from faq import seed
    from faq.models import Field, WorkItem

    entries = seed.ENTRIES
    assert len(entries) == 56
    assert {e.work_item for e in entries} <= {"", *WorkItem.values}  # "" is not one item
    assert {e.field for e in entries} <= {"", *Field.values}
    assert len({e.question for e in entries}) == len(entries)
    for position, entry in enumerate(entries, start=1):
        assert entry.question.strip() and entry.answer.strip(), position
        assert set(entry.related) <= set(range(1, len(entries) + 1)) - {position}, position


def test_seed_loads_real_entries_idempotently(db):
    from faq import seed

    assert seed.load().startswith(f"{len(seed.ENTRIES)} FAQs ({len(seed.ENTRIES)} new)")
    assert seed.load().endswith("(0 new)")
    assert FAQ.objects.count() >= 40
    server = FAQ.objects.get(question="中間サーバーを団体ごとに調達する必要はありますか。")
    assert "全国2箇所" in server.answer and "不要" in server.answer
    account = FAQ.objects.get(question__startswith="デジタルPMOのアカウント")
    assert "番号制度担当窓口" in account.answer
    b = FAQ.objects.get(question__startswith="作業項目B")
    assert "市区町村のみが対象" in b.answer


def test_services_sanitise_and_renumber(make_faq):
    first = make_faq()
    second = make_faq("x", '<p onclick="x()">a<script>alert(1)</script></p>')
    assert (first.number, second.number) == ("FAQ-0001", "FAQ-0002")
    assert second.answer == "<p>a</p>"
    assert services.next_number() == "FAQ-0003"


def test_seed_links_neighbouring_entries(db):
    from faq import seed

    seed.load()
    server = FAQ.objects.get(question="中間サーバーとは何ですか。")
    assert "中間サーバーを団体ごとに調達する必要はありますか。" in [
        f.question for f in server.related.all()
    ]


def test_admin_saves_through_the_service(client, db):
    from accounts.models import User

    admin = User.objects.create_superuser("root@pmo.example", "pw-0123456789", display_name="管理")
    client.force_login(admin)
    response = client.post(
        "/admin/faq/faq/add/",
        {
            "number": "",
            "question": "ﾃｽﾄの質問",
            "answer": "<p>答え<script>alert(1)</script></p>",
            "work_item": "",
            "field": "",
            "topic": "",
            "updated_on": "2015-07-09",
            "related_documents": "[]",
            "is_published": "on",
            "created_at_0": "2015-07-09",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    faq = FAQ.objects.get()
    assert faq.number == "FAQ-0001" and faq.answer == "<p>答え</p>"
    assert faq.question_norm == "てすとの質問"


@pytest.mark.parametrize(
    "url",
    [
        "/faq/",
        "/faq/FAQ-0001/",
        "/faq/suggest/?body=x",
        "/faq/report/",
        "/faq/export.xlsx",
        "/faq/import/",
        "/inquiries/",
        "/inquiries/new/",
        "/inquiries/1/",
        "/inquiries/1/attachments/1/",
    ],
)
def test_every_page_needs_login(client, make_faq, url):
    make_faq()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_vote_on_a_draft_is_404_for_staff(client_for, alice, make_faq):
    draft = make_faq("下書き", is_published=False)
    response = client_for(alice).post(reverse("faq:vote", args=[draft.number]))
    assert response.status_code == 404
    assert not FAQVote.objects.exists()


def test_drafts_are_not_listed_or_suggested_for_staff(client_for, alice, make_faq):
    make_faq("下書きの年金", is_published=False)
    client = client_for(alice)
    assert "下書きの年金" not in client.get("/faq/").content.decode()
    assert "下書きの年金" not in client.get("/faq/", {"q": "年金"}).content.decode()
    assert (
        "下書きの年金" not in client.get(reverse("faq:suggest"), {"body": "年金"}).content.decode()
    )
