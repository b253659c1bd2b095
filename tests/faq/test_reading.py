"""Search by reading: ねんきん, ネンキン and ﾈﾝｷﾝ find 年金 in FAQs, documents and procedures."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from faq import search, services
from faq.models import FAQ
from faq.normalize import is_short_reading, read, reading, reading_with_spans, variants

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


# --- Short readings (two kana at most): the start of a word, not a syllable anywhere -----------


def test_read_gives_the_reading_and_the_words_in_one_pass():
    assert read("国民年金の税金、ＦＡＱ－0012") == (
        "こくみんねんきんのぜいきん、faq-0012",
        "こくみん ねんきん の ぜいきん faq 0012",  # punctuation dropped, each word once
    )
    assert read("税金と税金") == ("ぜいきんとぜいきん", "ぜいきん と")
    assert read("ほうがよい")[1] == "ほう が よい"  # text without kanji is segmented too
    assert read("") == ("", "")


@pytest.mark.parametrize(
    ("word", "short"),
    [
        ("ぜい", True),
        ("ほ", True),
        ("ﾎｳ", False),
        ("ほう", True),
        ("ねんきん", False),
        ("id", False),
        ("税", False),
        ("ー", False),
        ("さー", True),
    ],
)
def test_short_readings_are_one_or_two_kana(word, short):
    assert is_short_reading(word) is short  # ﾎｳ is a raw word: queries are normalised first


@pytest.mark.django_db
def test_two_kana_find_words_that_start_with_them(make_faq):
    tax = make_faq("税金の納付について", "<p>窓口で受け付けます</p>", view_count=1)
    office = make_faq("窓口の質問", "<p>税務署に連絡します</p>", view_count=9)
    make_faq("課税証明書の交付", "<p>納税の証明</p>")  # かぜい, のうぜい: ぜい inside a word
    make_faq("中間サーバーとは", "<p>関係のない回答</p>")
    for query in ("ぜい", "ゼイ", "ｾﾞｲ"):
        found = list(search.matching(FAQ.objects.all(), search.parse(query).terms))
        assert found == [tax, office], query  # in the question first, then the answer


@pytest.mark.django_db
def test_a_short_reading_with_another_word_narrows(make_faq):
    method = make_faq("申請の方法", "<p>窓口へ</p>")
    report = make_faq("報告の様式", "<p>窓口へ</p>")
    make_faq("情報の照会", "<p>電子申請の手順</p>")  # じょうほう: ほう inside a word
    query = search.parse
    assert list(search.matching(FAQ.objects.all(), query("ほう").terms)) == [method, report]
    assert list(search.matching(FAQ.objects.all(), query("ほう 申請").terms)) == [method]


@pytest.mark.django_db
def test_a_two_kanji_word_read_in_two_kana_matches_that_whole_word(make_faq):
    district = make_faq("地区の説明", "<p>x</p>")
    by_reading = make_faq("ちくごとの説明", "<p>x</p>")  # ちく written in kana: a whole word
    make_faq("畜産の説明", "<p>畜産業の振興</p>")  # ちくさん: ちく only starts it
    found = list(search.matching(FAQ.objects.all(), search.parse("地区").terms))
    assert sorted(f.pk for f in found) == sorted([district.pk, by_reading.pk])


@pytest.mark.django_db
def test_words_are_kept_by_the_write_path_and_refresh_readings(make_faq):
    faq = make_faq("質問", "<p>回答</p>")
    faq.question = "国民年金の質問"
    faq.answer = "<p><strong>生活保護</strong>の税金</p>"
    services.save_faq(faq)
    faq.refresh_from_db()
    assert faq.question_words == "こくみん ねんきん の しつもん"
    assert faq.answer_words == "せいかつ ほご の ぜいきん"
    FAQ.objects.filter(pk=faq.pk).update(question_words="", answer_words="")
    assert not search.matching(FAQ.objects.all(), ["ぜい"]).exists()
    call_command("refresh_readings", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(search.matching(FAQ.objects.all(), ["ぜい"])) == [faq]


def test_highlight_marks_the_words_a_short_reading_starts():
    marked = search.highlight("税金と課税と税務", ["ぜい"])
    assert marked == "<mark>税金</mark>と課税と<mark>税務</mark>"
    assert search.highlight("方法のほうが", ["ほう"]) == "<mark>方法</mark>の<mark>ほう</mark>が"


@pytest.mark.django_db
def test_short_readings_use_the_word_indexes_on_postgres(make_faq):
    from django.db import connection

    make_faq("税金の納付について")
    if connection.vendor != "postgresql":
        pytest.skip("the word indexes exist on Postgres only")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask for the index
        plan = search.matching(FAQ.objects.all(), ["ぜい"]).explain()
        by_kanji = search.matching(FAQ.objects.all(), ["地区"]).explain()
    assert "faq_question_words" in plan and "faq_answer_words" in plan
    assert "faq_question_words" in by_kanji and "bigrams" in by_kanji


@pytest.mark.django_db
def test_one_kanji_still_finds_its_reading_anywhere(make_faq):
    # 税 alone is scanned (one character): as before, its reading ぜい anywhere in a reading.
    by_text = make_faq("税の質問", "<p>x</p>")
    by_reading = make_faq("ぜいむの質問", "<p>x</p>")
    make_faq("中間サーバーとは", "<p>x</p>")
    found = list(search.matching(FAQ.objects.all(), search.parse("税").terms))
    assert sorted(f.pk for f in found) == sorted([by_text.pk, by_reading.pk])
