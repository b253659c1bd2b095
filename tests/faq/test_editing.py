"""Editors write FAQs in the portal: create, edit, publish/unpublish, stale edits, bad input,
who may do it, and a fixed query count. Writes go through faq.services (search columns)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from faq.models import FAQ
from faq.normalize import normalize
from tests.factories import MinistryFactory, UserFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def sysadmin(db):
    return UserFactory(
        email="root@pmo.example", display_name="管理 次郎", organization=None, role=Role.SYSADMIN
    )


def _post_data(faq: FAQ | None = None, **changes) -> dict:
    """The form as an editor would send it: the FAQ's current values, then ``changes``."""
    data = {
        "number": "",
        "question": "",
        "answer": "",
        "work_item": "",
        "field": "",
        "topic": "",
        "is_published": "on",
        "related": "",
        "related_documents": "",
    }
    if faq is not None:
        data.update(
            number=faq.number,
            question=faq.question,
            answer=faq.answer,
            work_item=faq.work_item,
            field=faq.field,
            topic=faq.topic,
            related=", ".join(f.number for f in faq.related.order_by("number")),
            related_documents="\n".join(f"{d['title']}|{d['url']}" for d in faq.related_documents),
            version=str(faq.version),
        )
        if not faq.is_published:
            del data["is_published"]
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def _search(client, query: str) -> str:
    return client.get("/faq/", {"q": query}).content.decode()


def _field_error(body: str, field: str) -> str:
    """The error text rendered next to ``field`` (includes/field.html)."""
    found = re.findall(rf'id="id_{field}_error"[^>]*>(.*?)</div>', body, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", text).strip() for text in found)


# --- Create and edit, visible in search ---------------------------------------------------------
def test_editor_creates_an_faq_that_search_finds_with_kana_folding(client_for, editor, alice):
    response = client_for(editor).post(
        reverse("faq:create"),
        _post_data(
            question="ﾏｲﾅﾝﾊﾞｰ カードの交付はいつからですか。",
            answer="平成28年1月からです。\n\n詳しくは資料をご覧ください。",
            work_item="E",
            field="resident",
            topic="カード",
            related_documents="交付の手引き|/documents/3/",
        ),
    )
    faq = FAQ.objects.get()
    assert response.status_code == 302 and response["Location"] == faq.get_absolute_url()
    assert faq.number == "FAQ-0001"
    assert faq.answer == "<p>平成28年1月からです。</p>\n\n<p>詳しくは資料をご覧ください。</p>"
    assert faq.question_norm == normalize(faq.question)
    assert (faq.updated_by, faq.version, faq.work_item, faq.field) == (editor, 1, "E", "resident")
    assert faq.related_documents == [{"title": "交付の手引き", "url": "/documents/3/"}]
    found = _search(client_for(alice), "まいなんばー")
    assert "検索結果 1件" in found and "<mark>ﾏｲﾅﾝﾊﾞｰ</mark> カードの交付" in found
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.CONTENT)
    assert event.actor == editor and "FAQ-0001 を作成しました" in event.detail


def test_create_with_a_chosen_number_typed_full_width(client_for, editor, make_faq):
    make_faq("既存")
    client_for(editor).post(
        reverse("faq:create"), _post_data(number="ＦＡＱ－０１００", question="質問", answer="答え")
    )
    assert FAQ.objects.filter(number="FAQ-0100").exists()


def test_create_page_is_empty_and_published_by_default(client_for, editor):
    response = client_for(editor).get(reverse("faq:create"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "FAQを新規作成" in body
    assert 'name="is_published" id="id_is_published" checked' in body


def test_editor_edits_and_search_shows_the_new_text(client_for, editor, alice, make_faq):
    with time_machine.travel(dt.datetime(2015, 7, 1, 9, 0, tzinfo=TOKYO), tick=False):
        faq = make_faq("中間サーバーとは何ですか。", "<p>古い回答</p>")
        other = make_faq("関連する質問")
    client = client_for(editor)
    page = client.get(reverse("faq:edit", args=[faq.number])).content.decode()
    assert "中間サーバーとは何ですか。" in page and 'name="version" value="1"' in page
    with time_machine.travel(dt.datetime(2015, 7, 9, 10, 47, tzinfo=TOKYO), tick=False):
        response = client.post(
            reverse("faq:edit", args=[faq.number]),
            _post_data(
                faq,
                question="中間サーバー・プラットフォームとは何ですか。",
                answer="<p>情報連携の<strong>仲介</strong>をします。</p><script>x</script>",
                related=other.number,
            ),
        )
    assert response.status_code == 302
    faq.refresh_from_db()
    assert faq.answer == "<p>情報連携の<strong>仲介</strong>をします。</p>"
    assert (faq.version, faq.updated_by, faq.updated_on) == (2, editor, dt.date(2015, 7, 9))
    assert list(faq.related.all()) == [other]
    staff = client_for(alice)
    assert "<mark>プラットフォーム</mark>とは何ですか。" in _search(staff, "ﾌﾟﾗｯﾄﾌｫｰﾑ")
    assert "検索結果 0件" in _search(staff, "古い回答")
    detail = client_for(editor).get(faq.get_absolute_url()).content.decode()
    assert "2015/07/09 10:47" in detail and "編集 三郎 さん" in detail


def test_editing_the_number_moves_the_page(client_for, editor, make_faq):
    faq = make_faq("番号を変える")
    response = client_for(editor).post(
        reverse("faq:edit", args=[faq.number]), _post_data(faq, number="FAQ-0500")
    )
    assert response["Location"] == "/faq/FAQ-0500/"
    assert FAQ.objects.get().number == "FAQ-0500"


def test_saving_without_changes_writes_nothing(client_for, editor, make_faq):
    with time_machine.travel(dt.datetime(2015, 7, 1, 9, 0, tzinfo=TOKYO), tick=False):
        faq = make_faq("そのまま", related_documents=[{"title": "資料", "url": "/documents/1/"}])
    response = client_for(editor).post(
        reverse("faq:edit", args=[faq.number]), _post_data(faq), follow=True
    )
    assert "変更はありませんでした" in response.content.decode()
    faq.refresh_from_db()
    assert (faq.version, faq.updated_by, faq.updated_on) == (1, None, dt.date(2015, 7, 1))
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.CONTENT).exists()


def test_a_typed_script_is_shown_as_text_not_run(client_for, editor, alice):
    client_for(editor).post(
        reverse("faq:create"), _post_data(question="質問", answer="<script>alert(1)</script>")
    )
    faq = FAQ.objects.get()
    assert faq.answer == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    body = client_for(alice).get(faq.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_sysadmin_may_edit_too(client_for, sysadmin, make_faq):
    faq = make_faq("管理者も")
    response = client_for(sysadmin).post(
        reverse("faq:edit", args=[faq.number]), _post_data(faq, topic="管理")
    )
    assert response.status_code == 302
    assert FAQ.objects.get().topic == "管理"


# --- Bad input: a message next to the field, nothing saved ---------------------------------------
CREATE_ERRORS = [
    ({"question": ""}, "question", "質問を入力してください。"),
    ({"question": " \u3000\n"}, "question", "質問を入力してください。"),
    ({"question": "あ" * 1001}, "question", "質問は1000文字以内で入力してください。"),
    ({"answer": ""}, "answer", "回答を入力してください。"),
    ({"answer": "<p>\u3000</p><script>alert(1)</script>"}, "answer", "回答を入力してください。"),
    ({"number": "FAQ-0001"}, "number", "FAQ-0001 は既に別のFAQの番号です。"),
    ({"number": "0001"}, "number", "番号は FAQ-0001 の形で入力してください（新規は空欄）。"),
    ({"related": "FAQ-0001, FAQ-0999"}, "related", "FAQ-0999 というFAQはありません。"),
    ({"related": "いろいろ"}, "related", "いろいろ というFAQはありません。"),
    (
        {"related_documents": "資料|/documents/1/\n名前だけ"},
        "related_documents",
        "2行目: 「資料名|URL」の形で1行に1件入力してください。",
    ),
    (
        {"related_documents": "罠|javascript:alert(1)"},
        "related_documents",
        "1行目: 「資料名|URL」の形で1行に1件入力してください。",
    ),
    ({"work_item": "Z"}, "work_item", "作業項目は一覧から選んでください。"),
    ({"field": "unknown"}, "field", "分野は一覧から選んでください。"),
    ({"topic": "あ" * 101}, "topic", "トピックは100文字以内で入力してください。"),
]


@pytest.mark.parametrize(("changes", "field", "message"), CREATE_ERRORS)
def test_bad_input_on_create_is_shown_by_the_field_and_nothing_is_saved(
    client_for, editor, make_faq, changes, field, message
):
    make_faq("既存の質問")
    data = _post_data(question="新しい質問", answer="新しい回答") | changes
    response = client_for(editor).post(reverse("faq:create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in _field_error(body, field)
    assert "入力内容を確認してください。保存していません。" in body
    assert FAQ.objects.count() == 1


EDIT_ERRORS = [
    ({"number": ""}, "number", "番号を入力してください。"),
    ({"number": "FAQ-0002"}, "number", "FAQ-0002 は既に別のFAQの番号です。"),
    ({"question": ""}, "question", "質問を入力してください。"),
    ({"answer": "   "}, "answer", "回答を入力してください。"),
    ({"related": "FAQ-0001"}, "related", "このFAQ自身は関連FAQにできません。"),
    ({"related": "FAQ-0002 FAQ-0404"}, "related", "FAQ-0404 というFAQはありません。"),
]


@pytest.mark.parametrize(("changes", "field", "message"), EDIT_ERRORS)
def test_bad_input_on_edit_is_shown_by_the_field_and_nothing_is_saved(
    client_for, editor, make_faq, changes, field, message
):
    faq = make_faq("元の質問", "<p>元の回答</p>")
    make_faq("別の質問")
    response = client_for(editor).post(
        reverse("faq:edit", args=[faq.number]), _post_data(faq, topic="変えた") | changes
    )
    assert response.status_code == 200
    assert message in _field_error(response.content.decode(), field)
    faq.refresh_from_db()
    assert (faq.question, faq.topic, faq.version, faq.updated_by) == ("元の質問", "", 1, None)
    assert not faq.related.exists()


# --- Concurrent edits ---------------------------------------------------------------------------
def test_stale_edit_is_refused_naming_who_changed_it(client_for, editor, editor2, make_faq):
    faq = make_faq("元の質問")
    opened = _post_data(faq)  # 編集 三郎 opens the form at version 1 ...
    other = Client()  # ... and meanwhile 編集 花子 saves her change
    other.force_login(editor2)
    with time_machine.travel(dt.datetime(2015, 7, 9, 10, 47, tzinfo=TOKYO), tick=False):
        other.post(reverse("faq:edit", args=[faq.number]), _post_data(faq, question="花子の質問"))
    response = client_for(editor).post(
        reverse("faq:edit", args=[faq.number]), opened | {"question": "三郎の質問"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "編集 花子 さんがこのFAQを変更しました（2015/07/09 10:47）" in body
    assert "最新の内容で編集を開き直す" in body
    assert "三郎の質問" in body  # what was typed is not lost from the page
    faq.refresh_from_db()
    assert (faq.question, faq.version, faq.updated_by) == ("花子の質問", 2, editor2)


def test_import_and_unpublish_also_make_an_open_form_stale(client_for, editor, editor2, make_faq):
    faq = make_faq("元の質問")
    opened = _post_data(faq)
    client_for(editor2).post(reverse("faq:unpublish", args=[faq.number]))
    response = client_for(editor).post(
        reverse("faq:edit", args=[faq.number]), opened | {"topic": "古い画面から"}
    )
    assert "編集 花子 さんがこのFAQを変更しました" in response.content.decode()
    faq.refresh_from_db()
    assert (faq.topic, faq.is_published) == ("", False)


def test_a_form_without_its_version_is_refused(client_for, editor, make_faq):
    faq = make_faq("元の質問")
    data = _post_data(faq, topic="x")
    del data["version"]
    response = client_for(editor).post(reverse("faq:edit", args=[faq.number]), data)
    assert "保存していません" in response.content.decode()
    assert FAQ.objects.get().topic == ""


# --- Publish and unpublish ----------------------------------------------------------------------
def test_unpublish_and_republish_from_the_detail_page(client_for, client, editor, alice, make_faq):
    faq = make_faq("公開を切り替える年金の質問")
    detail = client_for(editor).get(faq.get_absolute_url()).content.decode()
    assert f'action="/faq/{faq.number}/unpublish/"' in detail
    response = client.post(reverse("faq:unpublish", args=[faq.number]), follow=True)
    assert "非公開にしました。" in response.content.decode()
    assert f'action="/faq/{faq.number}/publish/"' in response.content.decode()
    faq.refresh_from_db()
    assert (faq.is_published, faq.version, faq.updated_by) == (False, 2, editor)
    again = client.post(reverse("faq:unpublish", args=[faq.number]), follow=True)
    assert "既に非公開です。" in again.content.decode()
    staff = client_for(alice)
    assert staff.get(faq.get_absolute_url()).status_code == 404
    assert "検索結果 0件" in _search(staff, "年金")
    client_for(editor).post(reverse("faq:publish", args=[faq.number]))
    assert client_for(alice).get(faq.get_absolute_url()).status_code == 200
    assert "公開を切り替える<mark>年金</mark>の質問" in _search(client_for(alice), "年金")


def test_publish_needs_post(client_for, editor, make_faq):
    faq = make_faq()
    assert client_for(editor).get(reverse("faq:publish", args=[faq.number])).status_code == 405


# --- Who may: editors only; everyone else 404, nothing changed ----------------------------------
@pytest.mark.parametrize("who", ["alice", "charlie", "reviewer", "coordinator"])
@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("create", "get"),
        ("create", "post"),
        ("edit", "get"),
        ("edit", "post"),
        ("publish", "post"),
        ("unpublish", "post"),
    ],
)
def test_non_editors_get_404_and_change_nothing(request, client_for, make_faq, who, name, method):
    if who in ("reviewer", "coordinator"):
        user = UserFactory(organization=MinistryFactory(), role=who)
    else:
        user = request.getfixturevalue(who)
    faq = make_faq("元の質問", is_published=name != "publish")
    url = reverse(f"faq:{name}", args=[] if name == "create" else [faq.number])
    data = _post_data(faq, question="書き換え") if name == "edit" else _post_data(question="新規")
    response = getattr(client_for(user), method)(url, data if method == "post" else None)
    assert response.status_code == 404
    assert "元の質問" not in response.content.decode()
    faq.refresh_from_db()
    assert (FAQ.objects.count(), faq.question, faq.version) == (1, "元の質問", 1)
    denied = AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_DENIED, actor=user)
    assert denied.exists()


@pytest.mark.parametrize("url", ["/faq/new/", "/faq/FAQ-0001/edit/"])
def test_anonymous_is_sent_to_log_in(client, make_faq, url):
    make_faq()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_number_is_404_for_editors(client_for, editor):
    assert client_for(editor).get("/faq/FAQ-9999/edit/").status_code == 404


def test_only_editors_see_create_and_edit_links(client_for, editor, alice, make_faq):
    faq = make_faq("リンクの質問")
    edit_url = reverse("faq:edit", args=[faq.number])
    for url in ("/faq/", faq.get_absolute_url(), "/faq/?q=リンク"):
        as_editor = client_for(editor).get(url).content.decode()
        as_staff = client_for(alice).get(url).content.decode()
        assert edit_url in as_editor and edit_url not in as_staff, url
    assert reverse("faq:create") in client_for(editor).get("/faq/").content.decode()
    assert reverse("faq:create") not in client_for(alice).get("/faq/").content.decode()


# --- Query count --------------------------------------------------------------------------------
def test_edit_page_query_count_is_fixed_for_2_and_30_related(
    client_for, editor, make_faq, django_assert_num_queries
):
    others = [make_faq(f"関連 {n}") for n in range(30)]
    few = make_faq("少ない", related=others[:2])
    many = make_faq("多い", related=others)
    client = client_for(editor)
    client.get(reverse("faq:edit", args=[few.number]))  # the session's first touch writes it
    # session, user, the FAQ with who changed it, its related numbers
    with django_assert_num_queries(4):
        assert client.get(reverse("faq:edit", args=[few.number])).status_code == 200
    with django_assert_num_queries(4):
        body = client.get(reverse("faq:edit", args=[many.number])).content.decode()
    assert others[29].number in body
