"""The normalisation table: what a reader treats as one word, search treats as one word."""

from __future__ import annotations

import pytest

from faq.normalize import keywords, normalize, normalize_with_spans, terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 全角/半角
        ("中間ｻｰﾊﾞｰ", "中間さーばー"),
        ("中間サーバー", "中間さーばー"),
        ("ＦＡＱ", "faq"),
        ("ｆａｑ", "faq"),
        ("２０１５年", "2015年"),
        ("ﾊﾟｽﾎﾟｰﾄ", "ぱすぽーと"),
        ("ﾃﾞｰﾀｸﾚﾝｼﾞﾝｸﾞ", "でーたくれんじんぐ"),
        ("（案）", "(案)"),
        ("㍻27年", "平成27年"),
        # カタカナ/ひらがな
        ("カタカナ", "かたかな"),
        ("かたかな", "かたかな"),
        ("ヴ", "ゔ"),
        ("ヽヾ", "ゝゞ"),
        ("ガ", "が"),
        ("か\u3099", "が"),  # decomposed voiced mark composes
        # case
        ("FAQ Portal", "faq portal"),
        ("Ｍｙ Ｎｕｍｂｅｒ", "my number"),
        # ２文字 words stay as they are
        ("年金", "年金"),
        ("条例", "条例"),
        # whitespace and control characters
        ("  中間\u3000\tサーバー\n ", "中間 さーばー"),
        ("年\u200b金", "年金"),
        ("\x00\x01\x1f", ""),
        ("\ufeff番号", "番号"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_table(text, expected):
    assert normalize(text) == expected


@pytest.mark.parametrize("text", ["中間ｻｰﾊﾞｰ の ＦＡＱ", "ﾃﾞｰﾀ\u3000標準", "a\x00b  c", "ガイド"])
def test_spans_point_back_into_the_original(text):
    norm, spans = normalize_with_spans(text)
    assert len(spans) == len(norm)
    for char, (start, end) in zip(norm, spans, strict=True):
        assert normalize(text[start:end]) in (char, "") or char == " "


def test_half_width_voiced_kana_maps_to_both_characters():
    norm, spans = normalize_with_spans("ﾊﾞ")
    assert norm == "ば"
    assert spans == [(0, 2)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("中間ｻｰﾊﾞｰ 年金", ["中間さーばー", "年金"]),
        ("年金  年金", ["年金"]),
        ("\x00 \x01", []),
        ("a b c d e f g h i j k l", list("abcdefghij")),
    ],
)
def test_terms(query, expected):
    assert terms(query) == expected


def test_keywords_split_a_typed_sentence_by_script():
    assert keywords("中間サーバーの利用について教えてください") == ["中間", "さーばー", "利用"]
    assert keywords("ＦＡＱで年金を探す") == ["faq", "年金"]


def test_fast_normalize_agrees_with_the_span_version_on_the_seed():
    from faq import richtext
    from faq.seed import ENTRIES

    samples = [e.question for e in ENTRIES] + [richtext.to_plain(e.answer) for e in ENTRIES]
    samples += ["ﾃﾞｰﾀ\u3000 \x00 標準\t\nﾚｲｱｳﾄ", "Ⅻ ㌔ ﬁ İstanbul ß", " \x00 ", "か\u3099き\u309a"]
    for text in samples:
        assert normalize(text) == normalize_with_spans(text)[0], text
