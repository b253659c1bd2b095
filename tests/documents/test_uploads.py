"""Upload rules: size, extension and content sniffing; random names; safe downloads."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import samplefiles
from pmo import uploads
from pmo.downloads import ascii_fallback, attachment_response, content_disposition


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def refusal(name: str, content: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        uploads.validate_upload(upload(name, content))
    return info.value


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("概要.pdf", samplefiles.minimal_pdf()),
        ("REPORT.PDF", samplefiles.minimal_pdf()),
        ("計画.xlsx", xlsx_bytes()),
        ("様式.docx", samplefiles.minimal_ooxml("word/")),
        ("説明.pptx", samplefiles.minimal_ooxml("ppt/")),
        ("旧様式.xls", samplefiles.minimal_ole2()),
        ("旧様式.doc", samplefiles.minimal_ole2()),
        ("旧資料.ppt", samplefiles.minimal_ole2()),
        ("一覧.csv", "団体コード,名称\n011002,札幌市\n".encode()),
        ("一覧_sjis.csv", "団体コード,名称\n011002,札幌市\n".encode("cp932")),
        ("メモ.txt", "番号制度の導入について".encode()),
        ("まとめ.zip", samplefiles.minimal_zip()),
    ],
)
def test_files_that_match_their_extension_are_accepted(name, content):
    uploads.validate_upload(upload(name, content))


def test_html_named_pdf_is_refused_with_a_japanese_message():
    error = refusal("概要.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>")
    assert error.code == "content"
    assert "拡張子（.pdf）と一致しません" in error.messages[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("資料.docx", samplefiles.minimal_zip()),  # a zip, but no [Content_Types].xml
        ("資料.xlsx", samplefiles.minimal_ooxml("word/")),  # a Word package named .xlsx
        ("資料.xls", samplefiles.minimal_pdf()),
        ("資料.doc", b"{\\rtf1 not an OLE2 file}"),
        ("資料.zip", b"PK\x03\x04 broken"),
        ("一覧.csv", b"<html><body>phish</body></html>"),
        ("メモ.txt", b"  <script>alert(1)</script>"),
        ("メモ.txt", b"\x00\x01\x02binary"),
        ("メモ.txt", b"\xff\xfe\xfa\xfb\xfc not text \x81"),
    ],
)
def test_content_that_does_not_match_the_extension_is_refused(name, content):
    assert refusal(name, content).code == "content"


@pytest.mark.parametrize("name", ["virus.exe", "page.html", "image.svg", "noextension", ".pdf"])
def test_extensions_not_on_the_list_are_refused(name):
    error = refusal(name, samplefiles.minimal_pdf())
    assert error.code == "extension"
    assert "pdf、xlsx、xls、docx、doc、pptx、ppt、csv、zip、txt" in error.messages[0]


def test_over_50_mb_is_refused_before_reading(monkeypatch):
    big = upload("大きな資料.pdf", samplefiles.minimal_pdf())
    big.size = uploads.MAX_UPLOAD_BYTES + 1
    with pytest.raises(ValidationError) as info:
        uploads.validate_upload(big)
    assert info.value.code == "too_large"
    assert "50 MB 以下" in info.value.messages[0]


def test_exactly_50_mb_is_allowed():
    exact = upload("資料.pdf", samplefiles.minimal_pdf())
    exact.size = uploads.MAX_UPLOAD_BYTES
    uploads.validate_upload(exact)


def test_empty_file_is_refused():
    assert refusal("空.pdf", b"").code == "empty"


def test_validation_rewinds_the_file():
    file = upload("概要.pdf", samplefiles.minimal_pdf())
    uploads.validate_upload(file)
    assert file.read(5) == b"%PDF-"


def test_generated_name_is_random_and_keeps_only_the_extension():
    first = uploads.generated_name("../../etc/番号制度 概要.PDF", folder="documents")
    second = uploads.generated_name("../../etc/番号制度 概要.PDF", folder="documents")
    assert first != second
    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", first)


def test_store_upload_saves_through_storage_and_stores_nothing_on_refusal(tmp_path, settings):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    name = uploads.store_upload(
        upload("概要.pdf", samplefiles.minimal_pdf()), folder="documents", storage=storage
    )
    assert storage.open(name).read() == samplefiles.minimal_pdf()
    with pytest.raises(ValidationError):
        uploads.store_upload(upload("偽.pdf", b"<html></html>"), storage=storage)
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [name.rsplit("/", 1)[-1]]


def test_content_disposition_keeps_the_japanese_name_with_an_ascii_fallback():
    header = content_disposition("番号制度 概要（案）.pdf")
    assert header.startswith('attachment; filename="')
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "番号制度 概要（案）.pdf"
    fallback = re.search(r'filename="([^"]*)"', header).group(1)
    assert fallback.isascii() and fallback.endswith(".pdf")


def test_ascii_fallback_strips_quotes_and_paths():
    assert ascii_fallback('a"b;c.pdf') == "a_b_c.pdf"
    assert ascii_fallback("概要.pdf") == "download.pdf"
    assert "/" not in content_disposition("../../secret/概要.pdf")


def test_attachment_response_headers_and_bytes():
    content = samplefiles.minimal_pdf()
    response = attachment_response(ContentFile(content, name="x.pdf"), "生活保護 様式.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''%E7%94%9F%E6%B4%BB" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == content
