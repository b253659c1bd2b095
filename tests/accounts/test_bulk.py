from __future__ import annotations

import io

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent, User

HEADER = [
    "団体コード",
    "氏名",
    "メールアドレス",
    "所属部署",
    "電話番号",
    "役割",
    "ドメイン外の確認（はい）",
]


def sheet(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("accounts.xlsx", buffer.getvalue())


def test_template_lists_the_issuers_organisations_and_roles(client, world):
    client.force_login(world["pref_admin"])
    response = client.get("/manage/accounts/bulk/template.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["アカウント"][1]] == HEADER
    codes = {row[0] for row in workbook["団体一覧"].iter_rows(min_row=2, values_only=True)}
    assert codes == {"010006", "011002", "012025"}
    roles = workbook["アカウント"].data_validations.dataValidation[0].formula1
    assert "担当者" in roles and "システム管理者" not in roles


def test_a_good_sheet_issues_every_row(client, world):
    client.force_login(world["pref_admin"])
    upload = sheet(
        [
            ["011002", "札幌 一", "one@city.sapporo.lg.jp", "戸籍住民課", "", "担当者", ""],
            [
                12025,
                "函館 二",
                "two@city.hakodate.lg.jp",
                "",
                "0138-00-0000",
                "番号制度担当窓口",
                "",
            ],
        ]
    )
    response = client.post("/manage/accounts/bulk/", {"sheet": upload})
    assert response.status_code == 200
    assert set(
        User.objects.filter(issued_by=world["pref_admin"]).values_list("email", flat=True)
    ) == {"one@city.sapporo.lg.jp", "two@city.hakodate.lg.jp"}
    assert User.objects.get(email="two@city.hakodate.lg.jp").organization == world["hakodate"]
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.ISSUED).count() == 2


def test_one_bad_row_issues_nothing_and_lists_every_error(client, world):
    client.force_login(world["pref_admin"])
    upload = sheet(
        [
            ["011002", "札幌 一", "one@city.sapporo.lg.jp", "", "", "担当者", ""],
            [
                "022012",
                "青森 二",
                "two@city.aomori.lg.jp",
                "",
                "",
                "担当者",
                "",
            ],  # other prefecture
            ["012025", "", "not-an-address", "", "", "担当者", ""],  # two errors
            [
                "012025",
                "函館 四",
                "one@city.sapporo.lg.jp",
                "",
                "",
                "担当者",
                "",
            ],  # duplicate in sheet
            ["011002", "札幌 五", "five@city.sapporo.lg.jp", "", "", "システム管理者", ""],
            ["=1+1", "式", "six@city.sapporo.lg.jp", "", "", "担当者", ""],
        ]
    )
    response = client.post("/manage/accounts/bulk/", {"sheet": upload})
    assert response.status_code == 400
    assert not User.objects.filter(issued_by=world["pref_admin"]).exists()
    assert mail.outbox == []
    errors = [(e.row, e.column) for e in response.context["errors"]]
    assert (3, "団体コード") in errors
    assert (4, "氏名") in errors and (4, "メールアドレス") in errors
    assert (5, "メールアドレス") in errors
    assert (6, "役割") in errors
    assert (7, "") in errors
    body = response.content.decode()
    assert "この団体のアカウントは発行できません。" in body
    assert "2行目と同じアドレスです。" in body
    assert "数式は使えません" in body


def test_not_an_excel_file_is_refused_with_a_message(client, world):
    client.force_login(world["pref_admin"])
    upload = SimpleUploadedFile("accounts.xlsx", b"<html>not a sheet</html>")
    response = client.post("/manage/accounts/bulk/", {"sheet": upload})
    assert response.status_code == 400
    assert "Excelブック（.xlsx）として読み取れません。" in response.content.decode()


def test_staff_cannot_bulk_issue(client, world):
    client.force_login(world["staff"])
    assert client.get("/manage/accounts/bulk/").status_code == 404
    assert client.get("/manage/accounts/bulk/template.xlsx").status_code == 404
