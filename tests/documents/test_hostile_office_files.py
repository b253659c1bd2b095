"""Documents and 取組情報 are shared with every organisation: an Office file that is a zip
bomb or carries XML entity tricks is refused at the upload, next to the file field, and
nothing is stored (issue 13, finding 9)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents.models import Document, DocumentFile
from pmo import ooxml
from tests.hostile_xlsx import BILLION_LAUGHS, XXE, docx, docx_bomb, xlsx_with, zip_bomb

HOSTILE = {
    "xlsx-zip-bomb": ("爆弾.xlsx", zip_bomb, ooxml.BOMB),
    "xlsx-billion-laughs": ("実体.xlsx", lambda: xlsx_with(BILLION_LAUGHS), ooxml.HAS_DTD),
    "docx-zip-bomb": ("爆弾.docx", docx_bomb, ooxml.BOMB),
    "docx-xxe": ("外部実体.docx", lambda: docx(XXE), ooxml.HAS_DTD),
    "docx-billion-laughs": ("実体.docx", lambda: docx(BILLION_LAUGHS), ooxml.HAS_DTD),
}


@pytest.fixture(scope="module")
def files():
    return {name: (filename, make()) for name, (filename, make, _) in HOSTILE.items()}


def _document(client, world, upload):
    client.force_login(world["users"]["editor"])
    form = {
        "category": world["category"].pk,
        "title": "様式",
        "publisher": world["orgs"]["mhlw"].pk,
        "audience": "everyone",
        "publication": "publish",
        "upload": upload,
    }
    return client.post(reverse("documents:create"), form)


def _effort(client, world, upload):
    client.force_login(world["users"]["staff"])
    form = {"title": "札幌市の取組", "purpose": "共有", "upload": upload}
    return client.post(reverse("documents:share_effort"), form)


@pytest.mark.parametrize("post", [_document, _effort], ids=["document", "effort"])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_office_files_are_refused_next_to_the_field(world, client, files, post, hostile):
    name, content = files[hostile]
    response = post(client, world, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert f'id="id_upload_error"><p>{HOSTILE[hostile][2]}' in response.content.decode()
    assert (Document.objects.count(), DocumentFile.objects.count()) == (0, 0)


@pytest.mark.parametrize("post", [_document, _effort], ids=["document", "effort"])
def test_a_plain_word_file_is_still_shared(world, client, post):
    response = post(client, world, SimpleUploadedFile("様式.docx", docx()))
    assert response.status_code == 302
    assert Document.objects.get().files.get().original_name == "様式.docx"
