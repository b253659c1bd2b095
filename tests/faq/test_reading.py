"""Search by reading: ねんきん, ネンキン and ﾈﾝｷﾝ find 年金 in FAQs, documents and procedures."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from faq import search, services
from faq.models import FAQ
from faq.normalize import reading, reading_with_spans, variants

READINGS = ("ねんきん", "ネンキン", "ﾈﾝｷﾝ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("国民年金の手続", "こくみんねんきんのてつづき"),
        ("中間ｻｰﾊﾞｰの利用", "ちゅうかんさーばーのりよう"),  # kana as written, then folded
        ("ＦＡＱ－0012 と年金", "faq-0012 とねんきん"),  # latin and digits are not spelled out
        ("ねんきん", "ねんきん"),
        ("", ""),
    ],
)
def test_reading_table(text, expected):
    assert reading(text) == expected


def test_long_text_is_read_in_pieces():
    # Sudachi refuses input over ~49 kB: a long answer is read piece by piece, all of it.
    assert reading("年金。" * 20_000) == "ねんきん。" * 20_000


def test_reading_spans_point_at_the_word_read():
    read, spans = reading_with_spans("中間ｻｰﾊﾞｰの年金")
    start = read.index("ねんきん")
    assert spans[start] == spans[start + 3] == (8, 10)
    assert read == reading("中間ｻｰﾊﾞｰの年金")


def test_variants_add_the_reading_of_a_kanji_word_only():
    assert variants("年金") == ["年金", "ねんきん"]
    assert variants("ねんきん") == ["ねんきん"]
    assert variants("日") == ["日"]  # a one-kana reading would match almost anything


@pytest.mark.django_db
def test_readings_find_the_kanji_entry_and_kanji_still_works(make_faq):
    in_question = make_faq("国民年金の手続について", "<p>窓口で受け付けます</p>")
    in_answer = make_faq("窓口の質問", "<p>年金事務所に連絡します</p>")
    make_faq("中間サーバーとは", "<p>関係のない回答</p>")
    for query in (*READINGS, "年金"):
        found = list(search.matching(FAQ.objects.all(), search.parse(query).terms))
        assert found == [in_question, in_answer], query


@pytest.mark.django_db
def test_a_kanji_query_matches_the_same_word_written_otherwise(make_faq):
    # 手続 and 手続き read alike: IME conversion differs between PCs.
    faq = make_faq("転入の手続きは？")
    assert list(search.matching(FAQ.objects.all(), search.parse("手続").terms)) == [faq]


@pytest.mark.django_db
def test_readings_are_kept_by_the_write_path(make_faq):
    faq = make_faq("質問", "<p>回答</p>")
    faq.question = "国民年金の質問"
    faq.answer = "<p><strong>生活保護</strong>の回答</p>"
    services.save_faq(faq)
    faq.refresh_from_db()
    assert faq.question_reading == "こくみんねんきんのしつもん"
    assert faq.answer_reading == "せいかつほごのかいとう"  # markup is not read


@pytest.mark.django_db
def test_refresh_readings_fills_rows_written_around_the_services(make_faq):
    faq = make_faq("国民年金の質問")
    FAQ.objects.filter(pk=faq.pk).update(question_reading="", answer_reading="")
    call_command("refresh_readings", stdout=open("/dev/null", "w"))  # noqa: SIM115
    faq.refresh_from_db()
    assert faq.question_reading == "こくみんねんきんのしつもん"


def test_highlight_marks_the_word_found_by_its_reading():
    assert search.highlight("国民年金の手続", ["ねんきん"]) == "国民<mark>年金</mark>の手続"


@pytest.mark.django_db
def test_search_page_and_suggestions_by_reading(client_for, alice, make_faq):
    make_faq("国民年金の手続について")
    client = client_for(alice)
    page = client.get(reverse("faq:index"), {"q": "ﾈﾝｷﾝ"}).content.decode()
    assert "国民<mark>年金</mark>の手続について" in page
    suggestions = client.get(reverse("faq:suggest"), {"body": "ネンキンの手続"}).content.decode()
    assert "国民年金の手続について" in suggestions


@pytest.mark.django_db
def test_a_sentence_typed_in_hiragana_gets_suggestions(make_faq):
    faq = make_faq("国民年金の手続について")
    make_faq("中間サーバーとは")
    assert search.suggest("ねんきんのてつづきをおしえてください") == [faq]
