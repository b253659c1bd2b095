"""Search: normalised alike, question above answer, two-character words, safe highlighting."""

from __future__ import annotations

import pytest

from faq import search, services
from faq.models import FAQ, SearchMiss


@pytest.mark.django_db
def test_half_width_kana_finds_the_full_width_entry(make_faq):
    faq = make_faq("中間サーバーとは何ですか。")
    make_faq("関係のない質問")
    found = search.matching(FAQ.objects.all(), search.parse("中間ｻｰﾊﾞｰ").terms)
    assert list(found) == [faq]


@pytest.mark.django_db
def test_question_match_ranks_above_answer_match(make_faq):
    in_answer = make_faq("予算の質問", "<p>年金の手続です</p>", view_count=999)
    in_question = make_faq("年金の質問", "<p>別の話</p>")
    services.save_faq(in_answer)
    found = list(search.matching(FAQ.objects.all(), ["年金"]))
    assert found == [in_question, in_answer]


@pytest.mark.django_db
def test_every_word_must_match_and_more_question_hits_rank_higher(make_faq):
    both_in_question = make_faq("年金と条例", "<p>x</p>")
    one_each = make_faq("年金のこと", "<p>条例のこと</p>")
    make_faq("年金だけ", "<p>x</p>")
    found = list(search.matching(FAQ.objects.all(), search.parse("年金　条例").terms))
    assert found == [both_in_question, one_each]


@pytest.mark.django_db
def test_two_character_word_and_katakana_hiragana(make_faq):
    faq = make_faq("ぷらっとふぉーむの年金", "<p>x</p>")
    assert list(search.matching(FAQ.objects.all(), search.parse("年金").terms)) == [faq]
    assert list(search.matching(FAQ.objects.all(), search.parse("プラットフォーム").terms)) == [faq]


@pytest.mark.django_db
def test_answer_markup_is_not_searched(make_faq):
    make_faq("質問", '<p><a href="https://example.jp/strong">リンク</a></p>')
    assert not search.matching(FAQ.objects.all(), ["strong"]).exists()
    assert search.matching(FAQ.objects.all(), ["りんく"]).exists()


def test_highlight_marks_the_original_text_and_escapes_the_rest():
    html = search.highlight("<b>中間サーバー</b>とは", ["中間さーばー"])
    assert html == "&lt;b&gt;<mark>中間サーバー</mark>&lt;/b&gt;とは"


def test_highlight_maps_half_width_kana_back():
    assert search.highlight("中間ｻｰﾊﾞｰです", ["さーばー"]) == "中間<mark>ｻｰﾊﾞｰ</mark>です"


def test_highlight_of_a_script_in_the_query_stays_text():
    words = search.parse("<script>").terms
    assert search.highlight("a <script> b", words) == "a <mark>&lt;script&gt;</mark> b"


def test_parse_refuses_a_thousand_characters_and_ignores_control_characters():
    assert search.parse("あ" * 1000).error
    assert not search.parse("あ" * 1000).active
    assert not search.parse("\x00\x01\x02").active
    assert not search.parse("\x00\x01\x02").error
    assert search.parse("年\x00金\u200b\t税").query == "年金 税"


@pytest.mark.django_db
def test_misses_are_counted_under_their_normalised_form():
    services.record_miss("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ")
    services.record_miss("マイナンバーカード")
    services.record_miss("\x00")
    miss = SearchMiss.objects.get()
    assert (miss.query_norm, miss.count, miss.example) == ("まいなんばーかーど", 2, "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ")


@pytest.mark.django_db
def test_suggestions_from_a_typed_sentence(make_faq):
    faq = make_faq("中間サーバーを団体ごとに調達する必要はありますか。")
    make_faq("関係のない質問")
    assert search.suggest("中間サーバーの調達について教えてください") == [faq]
    assert search.suggest("") == []


@pytest.mark.django_db
def test_search_by_number_in_full_width(make_faq):
    make_faq("一つ目")
    second = make_faq("二つ目")
    assert list(search.matching(FAQ.objects.all(), search.parse("ＦＡＱ－０００２").terms)) == [
        second
    ]


@pytest.mark.django_db
def test_two_character_words_use_the_bigram_index_on_postgres(make_faq):
    from django.db import connection

    faq = make_faq("窓口の質問", "<p>税務の話</p>")
    make_faq("関係のない質問", "<p>税の務め</p>")  # both characters, not side by side
    query = search.matching(FAQ.objects.all(), ["税務"])
    assert list(query) == [faq]
    faq.answer = "<p>年金の話</p>"
    services.save_faq(faq)
    assert list(search.matching(FAQ.objects.all(), ["年金"])) == [faq]
    assert not search.matching(FAQ.objects.all(), ["税務"]).exists()
    if connection.vendor != "postgresql":
        pytest.skip("the bigram indexes exist on Postgres only")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask for the index
        plan = query.explain()
    assert "bigrams" in plan
