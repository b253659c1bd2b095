"""Inquiry attachments follow the documents' upload rules: an Office file that is a zip bomb
or carries XML entity tricks is refused next to the field and nothing is saved (issue 13,
finding 9)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from faq.models import Inquiry
from pmo import ooxml
from tests.hostile_xlsx import BILLION_LAUGHS, XXE, docx, docx_bomb, xlsx_with, zip_bomb

HOSTILE = {
    "xlsx-zip-bomb": ("爆弾.xlsx", zip_bomb, ooxml.BOMB),
    "xlsx-billion-laughs": ("実体.xlsx", lambda: xlsx_with(BILLION_LAUGHS), ooxml.HAS_DTD),
    "docx-zip-bomb": ("爆弾.docx", docx_bomb, ooxml.BOMB),
    "docx-xxe": ("外部実体.docx", lambda: docx(XXE), ooxml.HAS_DTD),
}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_office_attachments_are_refused_next_to_the_field(client_for, alice, hostile):
    name, make, message = HOSTILE[hostile]
    payload = {"subject": "件名", "body": "質問の本文", "work_item": "", "field": ""}
    payload["attachments"] = [SimpleUploadedFile(name, make())]
    response = client_for(alice).post(reverse("faq:inquiry_new"), payload)
    assert response.status_code == 200
    assert f'id="id_attachments_error"><p>{name}: {message}' in (response.content.decode())
    assert not Inquiry.objects.exists()
