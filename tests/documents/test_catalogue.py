"""The procedures catalogue: seed rows, filters, .xlsx export (formula-safe) and import."""

from __future__ import annotations

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from documents import seed, sheets
from documents.models import ClassesMixin, Document, Linkage, Procedure, ProcedureField
from tests.factories import MinistryFactory, ProcedureFactory


def workbook(procedures=(), linkages=(), *, header1=None, header2=None) -> bytes:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "別表第1"
    first.append(header1 or [label for _, label in sheets.PROCEDURE_COLUMNS])
    for row in procedures:
        first.append(list(row))
    second = book.create_sheet("別表第2")
    second.append(header2 or [label for _, label in sheets.LINKAGE_COLUMNS])
    for row in linkages:
        second.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "追加.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def load_seed(world):
    for code in ("mhlw-pension", "mhlw-welfare"):
        MinistryFactory(code=code, name=code)
    return seed.load()


def test_seed_loads_the_welfare_rows_and_is_idempotent(world):
    first = load_seed(world)
    second = seed.load()
    assert first.split(" (")[0] == second.split(" (")[0]
    assert "(7 new)" in first and "(0 new)" in second
    procedure = Procedure.objects.get()
    assert procedure.name == "生活保護の申請の受理、審査、保護の決定"
    assert "マイナンバーの記載欄を追加" in procedure.usage
    assert set(Linkage.objects.values_list("information", flat=True)) == {
        "地方税関係情報",
        "年金給付関係情報",
        "雇用保険給付関係情報",
    }
    assert Document.objects.get(title="業務フローサンプルファイル").purpose.startswith(
        "代表的な事務における個人番号利用後の業務フロー例"
    )
    assert procedure.documents.filter(title="生活保護分野における番号制度の導入について").exists()


def test_procedures_page_filters_by_field_class_and_body(world, client):
    load_seed(world)
    pension = ProcedureField.objects.get(name="国民年金")
    ProcedureFactory(
        number="31",
        field=pension,
        body="市町村長",
        municipality_classes=ClassesMixin.encode_classes(["city", "town", "village"]),
    )
    client.force_login(world["users"]["staff"])

    def numbers(**params):
        response = client.get(reverse("documents:procedures"), params)
        return sorted(p.number for p in response.context["procedures"])

    assert numbers() == ["15", "31"]
    assert numbers(field=pension.pk) == ["31"]
    assert numbers(municipality_class="designated") == ["15"]  # "" = every class
    assert numbers(municipality_class="town") == ["15", "31"]
    assert numbers(body="市町村長") == ["31"]
    linkages = client.get(reverse("documents:procedures"), {"body": "日本年金機構"}).context[
        "linkages"
    ]
    assert [row.information for row in linkages] == ["年金給付関係情報"]


def test_export_is_a_workbook_with_both_tables_and_escaped_formulas(world, client):
    load_seed(world)
    ProcedureFactory(
        number="99", field=ProcedureField.objects.first(), name='=HYPERLINK("x")', body="@SUM(1)"
    )
    client.force_login(world["users"]["staff"])
    response = client.get(reverse("documents:procedures_xlsx"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["別表第1", "別表第2"]
    rows = list(book["別表第1"].iter_rows(values_only=True))
    assert rows[0][:3] == ("項番", "分野", "事務・手続")
    bad = next(row for row in rows if row[0] == "99")
    assert bad[2] == '\'=HYPERLINK("x")' and bad[3] == "'@SUM(1)"
    assert len(list(book["別表第2"].iter_rows())) == 4


def test_exported_workbook_imports_back_unchanged(world, client):
    load_seed(world)
    client.force_login(world["users"]["staff"])
    content = client.get(reverse("documents:procedures_xlsx")).content
    assert sheets.import_workbook(content) == {"procedures": 1, "linkages": 3}
    assert Procedure.objects.count() == 1 and Linkage.objects.count() == 3


def test_editor_imports_rows(world, client):
    load_seed(world)
    client.force_login(world["users"]["editor"])
    content = workbook(
        [("31", "国民年金", "国民年金の資格取得", "市町村長", "届書に個人番号", "市、町、村")],
        [("26", "生活保護", "都道府県知事等", "保護の決定", "市町村長", "住民票関係情報", "")],
    )
    response = client.post(reverse("documents:procedures_import"), {"workbook": upload(content)})
    assert response.status_code == 302
    added = Procedure.objects.get(number="31")
    assert added.class_codes == ["city", "town", "village"]
    assert Linkage.objects.count() == 4
    assert AuditEvent.objects.filter(detail="事務・手続一覧の取込").exists()


def test_import_with_errors_writes_nothing_and_names_row_and_column(world, client):
    load_seed(world)
    client.force_login(world["users"]["editor"])
    content = workbook(
        [
            ("32", "国民年金", "正しい行", "市町村長", "", ""),
            ("33", "国民年金", "", "市町村長", "", "県"),
        ],
        [("26", "生活保護", "都道府県知事等", "保護の決定", "", "情報", "")],
    )
    response = client.post(reverse("documents:procedures_import"), {"workbook": upload(content)})
    assert response.status_code == 200
    errors = [str(e) for e in response.context["errors"]]
    assert "別表第1シート 3行目「事務・手続」: 入力してください。" in errors
    assert any(
        e.startswith("別表第1シート 3行目「対象となる市区町村の区分」: 「県」") for e in errors
    )
    assert "別表第2シート 2行目「情報提供者」: 入力してください。" in errors
    assert not Procedure.objects.filter(number="32").exists()
    html = response.content.decode()
    assert "取り込みませんでした" in html


def test_import_refuses_a_non_workbook(world, client):
    client.force_login(world["users"]["editor"])
    response = client.post(
        reverse("documents:procedures_import"),
        {"workbook": upload(b"<html></html>", "catalogue.xlsx")},
    )
    assert "一致しません" in response.content.decode()


def test_missing_header_is_reported(world):
    import pytest

    content = workbook(header1=["項番", "分野"])
    with pytest.raises(sheets.ImportRejected) as info:
        sheets.import_workbook(content)
    assert any("見出しの列がありません" in str(e) for e in info.value.errors)


def test_editor_links_a_document_to_catalogue_rows(world, client):
    load_seed(world)
    from tests.documents.conftest import pdf

    client.force_login(world["users"]["editor"])
    form = {
        "category": world["category"].pk,
        "title": "生活保護の事務処理要領",
        "publisher": world["orgs"]["mhlw"].pk,
        "audience": "everyone",
        "publication": "publish",
        "procedure_numbers": "15、99",
        "upload": pdf(),
    }
    refused = client.post(reverse("documents:create"), form)
    assert "項番 99 は事務・手続の一覧にありません" in refused.content.decode()
    form |= {"procedure_numbers": "15、26", "upload": pdf()}
    assert client.post(reverse("documents:create"), form).status_code == 302
    document = Document.objects.get(title="生活保護の事務処理要領")
    assert list(document.procedures.values_list("number", flat=True)) == ["15"]
    assert document.linkages.count() == 3
    page = client.get(reverse("documents:procedures")).content.decode()
    assert page.count("生活保護の事務処理要領") == 4
