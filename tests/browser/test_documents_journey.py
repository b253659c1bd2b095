"""Editor publishes to municipalities; Sapporo sees it new and downloads it; Hokkaido not."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from documents import samplefiles
from tests.browser.conftest import log_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TITLE = "番号制度導入に伴う市区町村向け事務処理要領"
FILE_NAME = "市区町村向け 事務処理要領（第1版）.pdf"


@pytest.fixture
def library(demo, settings, tmp_path):
    from documents import seed

    settings.MEDIA_ROOT = tmp_path / "media"
    seed.load()
    return demo


def log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()


def test_editor_publishes_to_municipalities_sapporo_downloads_hokkaido_cannot_see(
    page, library, tmp_path
):
    content = samplefiles.minimal_pdf("municipal procedures")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The editor publishes the document to municipalities only, with a Japanese file name.
    log_in(page, "editor@demo.example")
    page.goto("/documents/")
    page.get_by_role("link", name="ドキュメントを登録").click()
    page.get_by_label("カテゴリ").select_option(label="共通資料")
    page.get_by_label("資料名").fill(TITLE)
    page.get_by_label("資料の内容、用途").fill("市区町村における番号利用事務の処理要領")
    page.get_by_label("発信元").select_option(label="内閣官房")
    page.get_by_role("combobox", name="公開先 必須").select_option(
        label="市区町村（一部事務組合等を含む）"
    )
    page.get_by_label("今すぐ公開").check()
    page.get_by_label("ファイル 必須").set_input_files(
        files=[{"name": FILE_NAME, "mimeType": "application/pdf", "buffer": content}]
    )
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("市区町村（一部事務組合等を含む）")
    page.screenshot(path=SCREENSHOTS / "documents-editor-detail.png", full_page=True)
    log_out(page)

    # Sapporo (a municipality) sees it marked new on TOP and downloads the same bytes and name.
    log_in(page, "sapporo@demo.example")
    new_item = page.locator(".new-documents li", has_text=TITLE)
    expect(new_item).to_be_visible()
    expect(new_item.locator(".badge--new")).to_have_text("新着")
    page.screenshot(path=SCREENSHOTS / "documents-top-sapporo.png", full_page=True)
    new_item.get_by_role("link", name=TITLE).click()
    with page.expect_download() as info:
        page.get_by_role("link", name="最新版をダウンロード").click()
    download = info.value
    assert download.suggested_filename == FILE_NAME
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == content
    document_url = page.url
    log_out(page)

    # Hokkaido (a prefecture) does not see it: not on TOP, not in the list, 404 by URL.
    log_in(page, "hokkaido@demo.example")
    expect(page.locator("#new-documents-heading")).to_be_visible()
    expect(page.get_by_text(TITLE)).to_have_count(0)
    page.goto("/documents/")
    expect(page.get_by_role("heading", name="ドキュメント", exact=True)).to_be_visible()
    expect(page.get_by_text(TITLE)).to_have_count(0)
    response = page.goto(document_url)
    assert response is not None and response.status == 404
