"""How typed FAQ numbers, related FAQs and related documents are read (no database)."""

from __future__ import annotations

import pytest

from faq import richtext, rules


@pytest.mark.parametrize(
    ("typed", "number", "valid"),
    [
        ("FAQ-0001", "FAQ-0001", True),
        (" faq-0012 ", "FAQ-0012", True),
        ("ＦＡＱ－００３４", "FAQ-0034", True),
        ("FAQ-12345", "FAQ-12345", True),
        ("FAQ-001", "FAQ-001", False),
        ("Q-0001", "Q-0001", False),
        ("", "", False),
    ],
)
def test_clean_number(typed, number, valid):
    assert rules.clean_number(typed) == number
    assert rules.is_number(number) is valid


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("", []),
        ("FAQ-0001", ["FAQ-0001"]),
        ("FAQ-0002, FAQ-0001", ["FAQ-0002", "FAQ-0001"]),
        ("FAQ-0001、ＦＡＱ－０００２\nfaq-0003  FAQ-0001", ["FAQ-0001", "FAQ-0002", "FAQ-0003"]),
    ],
)
def test_split_numbers_keeps_order_once_each(text, numbers):
    assert rules.split_numbers(text) == numbers


def test_parse_links_reports_bad_lines_by_number():
    text = "事務処理要領|/documents/12/\n\n名前だけ\n|/x\n外部 | https://www.digital.go.jp/\nJS|javascript:alert(1)"
    links, bad = rules.parse_links(text)
    assert links == [
        {"title": "事務処理要領", "url": "/documents/12/"},
        {"title": "外部", "url": "https://www.digital.go.jp/"},
    ]
    assert bad == [3, 4, 6]


def test_links_text_round_trips():
    links = [{"title": "資料|版2", "url": "/documents/1/"}, {"title": "b", "url": "https://e.jp/"}]
    assert rules.parse_links(rules.links_text(links)) == (links, [])


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("一行目\n二行目\n\n次の段落", "<p>一行目<br>二行目</p>\n\n<p>次の段落</p>"),
        ("1 < 2 & <x>", "<p>1 &lt; 2 &amp; &lt;x&gt;</p>"),
        ("<p>そのまま<strong>強調</strong></p>", "<p>そのまま<strong>強調</strong></p>"),
        ("<UL><li>a</li></UL>", "<UL><li>a</li></UL>"),  # sanitised (lower-cased) on save
    ],
)
def test_editor_text_without_tags_becomes_paragraphs(typed, stored):
    assert richtext.from_editor(typed) == stored
