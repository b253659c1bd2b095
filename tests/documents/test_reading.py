"""Documents and procedures are found by reading too: ねんきん, ネンキン, ﾈﾝｷﾝ find 年金."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents import services
from documents.models import Document, Linkage, Procedure, ProcedureField
from tests.documents.test_catalogue import load_seed, upload, workbook

READINGS = ("ねんきん", "ネンキン", "ﾈﾝｷﾝ")


def test_documents_by_reading_and_by_kanji(world, make_document, client):
    pension = make_document(title="国民年金の事務について", purpose="窓口の手引き")
    make_document(title="生活保護の手引き")
    client.force_login(world["users"]["staff"])
    for query in (*READINGS, "年金", "こくみん ねんきん"):
        titles = [d.title for d in client.get("/documents/", {"q": query}).context["page"]]
        assert titles == [pension.title], query


def test_document_reading_is_kept_by_update(world, make_document):
    document = make_document(title="概要")
    services.update_document(document, actor=world["users"]["editor"], title="年金の概要")
    assert Document.objects.get(pk=document.pk).search_reading.startswith("ねんきんのがいよう")


def _procedure_numbers(client, query):
    response = client.get(reverse("documents:procedures"), {"q": query})
    return sorted(p.number for p in response.context["procedures"]), sorted(
        row.information for row in response.context["linkages"]
    )


def test_procedures_by_reading_after_an_import(world, client):
    load_seed(world)
    client.force_login(world["users"]["editor"])
    content = workbook(
        [("31", "国民年金", "国民年金の資格取得", "市町村長", "届書に個人番号", "市、町、村")],
    )
    assert client.post(reverse("documents:procedures_import"), {"workbook": upload(content)})
    client.force_login(world["users"]["staff"])
    for query in (*READINGS, "年金"):
        # 年金給付関係情報 is a seed linkage, read when the seed was loaded.
        assert _procedure_numbers(client, query) == (["31"], ["年金給付関係情報"]), query
    assert _procedure_numbers(client, "せいかつほご")[0] == ["15"]


@pytest.mark.parametrize("model", [Procedure, Linkage])
def test_refresh_catalogue_readings_writes_only_what_changed(world, model):
    load_seed(world)
    assert services.refresh_catalogue_readings() == 0
    row = model.objects.first()
    model.objects.filter(pk=row.pk).update(search_reading="")
    assert services.refresh_catalogue_readings() == 1
    assert model.objects.get(pk=row.pk).search_reading


def test_a_procedure_added_in_admin_is_read(world, client):
    load_seed(world)
    admin = world["users"]["sysadmin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    field = ProcedureField.objects.get(name="国民年金")
    client.post(
        reverse("admin:documents_procedure_add"),
        {"number": "40", "field": field.pk, "name": "年金の裁定", "body": "機構", "usage": ""},
    )
    assert Procedure.objects.get(number="40").search_reading == "ねんきんのさいてい"
