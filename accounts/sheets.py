"""Bulk issuance from an .xlsx sheet: the template, and reading it back row by row.

Every row is validated with the same :class:`~accounts.forms.IssueForm` as the issuance page,
plus duplicate addresses within the sheet; errors are listed by row and column (the template's
own headers, the same in every language) in the reader's language, and nothing is issued
unless every row is good.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts import permissions, rules
from accounts.forms import IssueForm
from accounts.roles import Role
from accounts.services import NewAccount
from pmo import ooxml, xlsx
from pmo.sheets import RowError, cell_text

COLUMNS = (
    ("organization", "団体コード"),
    ("display_name", "氏名"),
    ("email", "メールアドレス"),
    ("department", "所属部署"),
    ("phone", "電話番号"),
    ("role", "役割"),
    ("confirm_outside_domain", "ドメイン外の確認（はい）"),
)
LABELS = dict(COLUMNS)
MAX_ROWS = 2000
MAX_COLUMNS = 50  # the template has 7; room for a person's own notes
MAX_CELLS = MAX_ROWS * MAX_COLUMNS
YES = {"はい", "yes", "y", "true", "1", "○", "〇"}


def template(issuer) -> bytes:
    """A workbook with the header, the role drop-down and the issuer's organisations."""
    # The import reads the first sheet by position, not by name: the names are for people.
    workbook, sheet = xlsx.new_book(gettext("アカウント"))
    for index, (_, label) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=label)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E6FF")
        sheet.column_dimensions[cell.column_letter].width = 24
    roles = [str(role.label) for role in rules.assignable_roles(issuer.role)]
    validation = DataValidation(
        type="list", formula1='"' + ",".join(roles) + '"', allow_blank=False
    )
    validation.error = gettext("一覧から役割を選んでください。")
    sheet.add_data_validation(validation)
    validation.add(f"F2:F{MAX_ROWS + 1}")
    sheet.freeze_panes = "A2"
    organizations = workbook.create_sheet(gettext("団体一覧"))
    organizations.append([gettext("団体コード"), gettext("団体名")])
    for org in (
        permissions.organizations(issuer, permissions.MANAGE_ACCOUNTS)
        .select_related("prefecture", "parent")
        .order_by("code")
    ):
        organizations.append([org.code, org.full_name])
    organizations.column_dimensions["B"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(upload, issuer) -> tuple[list[NewAccount], list[RowError]]:
    """Validate every row; return the accounts to issue, or the errors (never both).

    The sheet is streamed read-only (nothing here writes back into it), within the row,
    column and cell limits of :mod:`pmo.xlsx`."""
    try:
        # Every sheet is counted, the portal's own 団体一覧 too (all ~1,800 organisations for
        # an administrator): MAX_ROWS holds the sheet read, while streaming it below.
        workbook = xlsx.read_upload(
            upload, max_bytes=5 * 1024 * 1024, max_columns=MAX_COLUMNS, max_cells=MAX_CELLS
        )
    except ooxml.SheetError as exc:
        return [], [RowError(0, "", str(exc))]
    try:
        return _read_rows(workbook.worksheets[0], issuer)
    except ooxml.SheetError as exc:
        return [], [RowError(0, "", str(exc))]
    finally:
        workbook.close()


def _read_rows(sheet, issuer) -> tuple[list[NewAccount], list[RowError]]:
    organizations = {
        org.code: org.pk
        for org in permissions.organizations(issuer, permissions.MANAGE_ACCOUNTS).only("pk", "code")
    }
    role_by_label = {str(role.label): role.value for role in Role} | {
        r.value: r.value for r in Role
    }
    accounts: list = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    rows = xlsx.rows(
        sheet,
        min_row=2,
        max_col=len(COLUMNS),
        values_only=True,
        max_rows=MAX_ROWS,
        max_cells=MAX_CELLS,
    )
    for number, row in enumerate(rows, 2):
        values = dict(zip((key for key, _ in COLUMNS), row, strict=False))
        if all(cell_text(v) == "" for v in values.values()):
            continue
        if any(xlsx.has_formula(v) for v in values.values()):
            errors.append(RowError(number, "", gettext("数式は使えません。値を入力してください。")))
            continue
        code = (
            cell_text(values["organization"]).zfill(6)
            if cell_text(values["organization"]).isdigit()
            else cell_text(values["organization"])
        )
        data = {key: cell_text(values[key]) for key, _ in COLUMNS}
        # An unknown or out-of-reach code is an invalid choice (its own message), not a blank.
        data["organization"] = organizations.get(code, -1) if code else ""
        data["role"] = role_by_label.get(data["role"], data["role"])
        data["confirm_outside_domain"] = (
            "on" if data["confirm_outside_domain"].lower() in YES else ""
        )
        form = IssueForm(data, issuer=issuer)
        if not form.is_valid():
            for field, messages in form.errors.items():
                for message in messages:
                    errors.append(RowError(number, LABELS.get(field, ""), str(message)))
            continue
        email = form.cleaned_data["email"]
        if email in seen:
            errors.append(
                RowError(
                    number,
                    LABELS["email"],
                    gettext("%(row)s行目と同じアドレスです。") % {"row": seen[email]},
                )
            )
            continue
        seen[email] = number
        accounts.append(_account(form))
    return ([], errors) if errors else (accounts, [])


def _account(form: IssueForm) -> NewAccount:
    data = form.cleaned_data
    return NewAccount(
        organization=data["organization"],
        email=data["email"],
        display_name=data["display_name"],
        role=data["role"],
        department=data["department"],
        phone=data["phone"],
        outside_domain=form.outside_domain,
    )
