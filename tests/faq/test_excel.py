"""The .xlsx export and the all-or-nothing import, with errors by row and column."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from faq import exports, imports
from faq.models import FAQ

pytestmark = pytest.mark.django_db


def _workbook(rows, headers=exports.HEADERS) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("faq.xlsx", out.getvalue())


def test_export_guards_formulas_and_round_trips(make_faq):
    a = make_faq('=HYPERLINK("http://evil","x")', "<p>-1+1</p>", work_item="D", field="welfare")
    b = make_faq("@SUM(A1)", "<p>答え</p>", related=[a])
    content = exports.faq_workbook(FAQ.objects.order_by("number").prefetch_related("related"))
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]] == list(exports.HEADERS)
    assert sheet["B2"].value == "'" + a.question and sheet["B2"].data_type == "s"
    assert sheet["B3"].value == "'@SUM(A1)"
    assert sheet["H3"].value == a.number
    assert sheet["E2"].value == "生活保護"
    result = imports.import_faqs(SimpleUploadedFile("faq.xlsx", content))
    assert (result.errors, result.created, result.updated) == ([], 0, 2)
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.question.startswith("=HYPERLINK") and a.field == "welfare" and a.work_item == "D"
    assert list(b.related.all()) == [a]


def test_import_creates_and_updates(make_faq):
    existing = make_faq("古い質問")
    upload = _workbook(
        [
            [
                existing.number,
                "新しい質問",
                "<p>新しい答え<script>x</script></p>",
                "A",
                "共通",
                "",
                "2015/07/09",
                "",
                "",
                "はい",
            ],
            ["", "ｻｰﾊﾞｰの質問", "答え", "", "", "", None, existing.number, "資料|/documents/", ""],
        ]
    )
    result = imports.import_faqs(upload)
    assert (result.errors, result.created, result.updated) == ([], 1, 1)
    existing.refresh_from_db()
    assert existing.question == "新しい質問" and "<script>" not in existing.answer
    assert str(existing.updated_on) == "2015-07-09"
    new = FAQ.objects.get(question="ｻｰﾊﾞｰの質問")
    assert new.number == "FAQ-0002" and new.question_norm == "さーばーの質問"
    assert new.related_documents == [{"title": "資料", "url": "/documents/"}]


def test_import_is_all_or_nothing_with_errors_by_row_and_column(make_faq):
    make_faq("そのまま")
    upload = _workbook(
        [
            ["", "正しい行", "答え", "A"],
            ["FAQ-1", "", "", "Z", "不明", "", "昨日", "FAQ-0999", "壊れた", "たぶん"],
        ]
    )
    result = imports.import_faqs(upload)
    messages = [str(e) for e in result.errors]
    assert messages == [
        "3行目「番号」: 番号は FAQ-0001 の形で入力してください（新規は空欄）。",
        "3行目「質問」: 入力してください。",
        "3行目「回答」: 入力してください。",
        "3行目「作業項目」: A〜K のいずれかを入力してください。",
        "3行目「分野」: 共通、国民年金、生活保護、地方税、住民基本台帳、デジタルPMO"
        " のいずれかを入力してください。",
        "3行目「最終更新日」: 日付は 2015/07/09 の形で入力してください。",
        "3行目「関連資料」: 「資料名|URL」の形で1行に1件入力してください。",
        "3行目「公開」: 「はい」か「いいえ」を入力してください。",
    ]
    assert list(FAQ.objects.values_list("question", flat=True)) == ["そのまま"]


def test_import_reports_unknown_related_and_duplicate_numbers(make_faq):
    upload = _workbook(
        [
            ["FAQ-0100", "a", "b", "", "", "", None, "FAQ-0999"],
            ["FAQ-0100", "c", "d"],
        ]
    )
    messages = [str(e) for e in imports.import_faqs(upload).errors]
    assert "2行目「関連FAQ」: FAQ-0999 というFAQはありません。" in messages
    assert "3行目「番号」: 2行目と番号が重複しています。" in messages
    assert not FAQ.objects.exists()


@pytest.mark.parametrize(
    "content", [b"not a workbook", b"PK\x03\x04broken", b"<html><script>alert(1)</script>"]
)
def test_import_of_a_broken_file_is_a_message(content):
    result = imports.import_faqs(SimpleUploadedFile("faq.xlsx", content))
    assert [str(e) for e in result.errors] == [
        "ファイル: Excelブック（.xlsx）として読み取れません。"
        "ファイルが壊れていないか確認してください。"
    ]


def test_import_without_headers_is_refused():
    result = imports.import_faqs(_workbook([["a", "b"]], headers=("x", "y")))
    assert "「番号」: 見出しがありません。" in str(result.errors[0])


def test_import_view_for_editors(client_for, editor):
    client = client_for(editor)
    good = _workbook([["", "質問", "答え"]])
    response = client.post(reverse("faq:import"), {"file": good}, follow=True)
    assert "新規 1 件" in response.content.decode()
    bad = _workbook([["", "", "答え"]])
    response = client.post(reverse("faq:import"), {"file": bad})
    assert "2行目「質問」: 入力してください。" in response.content.decode()
    assert FAQ.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("faq.csv", b"a,b\n", "Excelファイル（.xlsx）を選んでください。"),
        ("faq.xlsx", b"<html><script>alert(1)</script>", "拡張子"),
    ],
)
def test_import_view_refuses_other_files(client_for, editor, name, content, message):
    response = client_for(editor).post(
        reverse("faq:import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FAQ.objects.exists()


def test_import_errors_are_english_but_name_the_sheets_own_columns(make_faq):
    """The messages follow the reader's language; the column and the values it accepts are the
    workbook's own (the export writes them and the import reads them back, in every language)."""
    from django.utils import translation

    upload = _workbook([["", "質問", "答え", "", "", "", "", "", "", "たぶん"]])
    with translation.override("en"):
        messages = [str(e.message) for e in imports.import_faqs(upload).errors]
    assert messages == ["Enter \u201cはい\u201d or \u201cいいえ\u201d."]
    assert [
        e.column for e in imports.import_faqs(_workbook([["", "q", "a", *[""] * 6, "x"]])).errors
    ] == ["公開"]
