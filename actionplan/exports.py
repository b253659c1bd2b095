"""An organisation's own data, all of it, as one .xlsx workbook (自団体のデータを一括ダウンロード).

One sheet per kind of record, in the order a person reads them: 目次 (the sheets, their row
counts and when the file was made), then the plan, the completion answers, the plan's history,
the advice received, the plan checks, the follow-ups and their notes, the inquiries, the 取組情報
published and the target systems. Every sheet has its title in row 1 and Japanese headers in
row 2 (frozen, and repeated on every printed page), dates as 2015/07/09 and times in Tokyo
time, and prints A4 landscape one page wide, as the meeting report does.

The workbook is written with openpyxl's ``write_only`` mode and every queryset is read with
``.iterator()``: rows go to disk as they are read, so a large organisation's export keeps
memory flat. The number of queries is fixed (one per sheet, see
:mod:`actionplan.export_selectors`), whatever the number of rows. Every value goes through
:func:`pmo.xlsx.write`, so text that looks like a formula stays text.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from actionplan import export_selectors as select
from actionplan.models import EDITABLE_FIELDS, CompletionItem, PlanEntry, Status
from documents.models import Status as DocumentStatus
from faq.models import Field, InquiryStatus
from faq.models import WorkItem as InquiryWorkItem
from orgs.models import Organization
from pmo.text import display_width
from pmo.xlsx import write
from review.models import FollowUp, MinistryReview, PlanCheck

CHUNK = 2_000  # rows fetched at a time by .iterator()
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")  # the meeting report's header colour
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
DATE_FORMAT = "yyyy/mm/dd"
TIME_FORMAT = "yyyy/mm/dd hh:mm"
YES_NO = {"yes": "はい", "no": "いいえ"}


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 0  # 0: wide enough for the header
    wrap: bool = False  # long text: wrapped, top-aligned


@dataclass(frozen=True)
class Sheet:
    title: str
    about: str  # what the sheet holds, for 目次
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[tuple]] | _Side


def _c(header: str, width: float = 0, *, wrap: bool = False) -> Column:
    return Column(header, width, wrap)


# --- Values as a person reads them ---------------------------------------------------------


def _local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time as Tokyo time without a zone: a spreadsheet has no time zones."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def _person(user) -> str:
    return (user.display_name or user.email) if user is not None else ""


def _org(organization: Organization | None) -> str:
    return organization.full_name if organization is not None else ""


def _work_item(work_item) -> str:
    return f"{work_item.code}. {work_item.name}" if work_item is not None else ""


def _label(choices, value: str) -> str:
    """The label people read for a stored code (the code itself when it is unknown)."""
    return str(dict(choices.choices).get(value, value)) if value else ""


def _answer(kind: str, value: object) -> object:
    """A completion answer as stored (text, ISO date, yes/no) typed for the sheet."""
    if value in (None, ""):
        return None
    if kind == CompletionItem.Kind.DATE:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if kind == CompletionItem.Kind.NUMBER:
        try:
            number = float(str(value))
        except ValueError:
            return str(value)
        return int(number) if number.is_integer() else number
    if kind == CompletionItem.Kind.YES_NO:
        return YES_NO.get(str(value), str(value))
    return str(value)


# --- The sheets ------------------------------------------------------------------------------

PLAN_COLUMNS = (
    _c("プログラム", 18),
    _c("作業項目", 24),
    _c("タスク", 24),
    _c("対象システム", 14),
    _c("計画開始", 11),
    _c("計画終了", 11),
    _c("実績開始", 11),
    _c("実績終了", 11),
    _c("状況", 8),
    _c("対象外の理由", 24, wrap=True),
    _c("進捗率（%）", 8),
    _c("備考", 36, wrap=True),
    _c("版", 5),
    _c("更新者", 14),
    _c("更新日時", 16),
)
ANSWER_COLUMNS = (
    _c("プログラム", 18),
    _c("作業項目", 24),
    _c("タスク", 24),
    _c("対象システム", 14),
    _c("項目", 30, wrap=True),
    _c("回答", 36, wrap=True),
)


def _entry_key(entry) -> tuple:
    """プログラム, 作業項目, タスク, 対象システム: the columns that say which entry a row is."""
    work_item = entry.task.work_item
    system = entry.system.name if entry.system_id else ""
    return (work_item.programme.name, _work_item(work_item), entry.task.name, system)


class _Side:
    """A second sheet written while the first streams: the completion answers are read with
    the plan's entries (no second pass over them) and go straight to their own sheet."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns, self.sheet, self.count = columns, None, 0

    def append(self, row: tuple) -> None:
        self.sheet.append(_row(self.sheet, row, self.columns))
        self.count += 1


def _plan_rows(user, organization: Organization, answers: _Side, labels: dict) -> Iterator[tuple]:
    """The plan, one row per entry, with every field a person enters or reads back."""
    for entry in select.entries(user, organization).iterator(chunk_size=CHUNK):
        key = _entry_key(entry)
        for item_key, value in (entry.completion or {}).items():
            label, kind = labels.get(str(item_key), (str(item_key), CompletionItem.Kind.TEXT))
            answers.append((*key, label, _answer(kind, value)))
        yield (
            *key,
            entry.planned_start,
            entry.planned_end,
            entry.actual_start,
            entry.actual_end,
            _label(Status, entry.status),
            entry.not_applicable_reason,
            entry.progress,
            entry.remarks,
            entry.version,
            _person(entry.updated_by),
            _local(entry.updated_at),
        )


HISTORY_COLUMNS = (
    _c("日時", 16),
    _c("変更者", 14),
    _c("プログラム", 18),
    _c("作業項目", 24),
    _c("タスク", 24),
    _c("対象システム", 14),
    _c("版", 5),
    _c("項目", 14),
    _c("変更前", 28, wrap=True),
    _c("変更後", 28, wrap=True),
)
CREATED = "（作成）"
FIELD_LABELS = {name: str(PlanEntry._meta.get_field(name).verbose_name) for name in EDITABLE_FIELDS}
EMPTY = (None, "", {}, 0, Status.NOT_STARTED)


def _shown(name: str, value: object, labels: dict) -> object:
    if name == "status":
        return _label(Status, value)
    if name == "completion":
        answers = value if isinstance(value, dict) else {}
        return (
            "、".join(f"{labels.get(str(k), (str(k),))[0]}: {v}" for k, v in answers.items())
            or None
        )
    return value if value != "" else None


def _history_rows(user, organization: Organization, labels: dict) -> Iterator[tuple]:
    """Who changed what, when, old → new: one row per changed field of each version, each
    version compared with the previous one of the same entry (the rows come grouped)."""
    previous = None
    for record in select.history(user, organization).iterator(chunk_size=CHUNK):
        older = previous if previous is not None and previous.id == record.id else None
        previous = record
        head = (_local(record.history_date), _person(record.history_user))
        key = (*_entry_key(record), record.version)
        if older is None:
            yield (*head, *key, CREATED, None, None)
        for name in EDITABLE_FIELDS:
            before = getattr(older, name) if older is not None else None
            after = getattr(record, name)
            if older is None and after in EMPTY:
                continue
            if before != after:
                label = FIELD_LABELS[name]
                yield (
                    *head,
                    *key,
                    label,
                    _shown(name, before, labels),
                    _shown(name, after, labels),
                )


ADVICE_COLUMNS = (
    _c("日時", 16),
    _c("プログラム", 18),
    _c("助言した団体", 24),
    _c("助言者", 14),
    _c("助言", 60, wrap=True),
)


def _advice_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.advice(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _local(item.created_at),
            item.programme.name,
            _org(item.author_organization),
            _person(item.author),
            item.body,
        )


CHECK_COLUMNS = (
    _c("プログラム", 18),
    _c("確認の状態", 12),
    _c("総括確認日時", 16),
    _c("総括のコメント", 36, wrap=True),
    _c("府省庁", 24),
    _c("計画の妥当性", 10),
    _c("府省庁のコメント", 36, wrap=True),
    _c("府省庁確認日時", 16),
)


def _check_rows(user, organization: Organization) -> Iterator[tuple]:
    """One row per ministry asked to check the plan; a plan check that no ministry has yet
    been asked about (総括確認待ち) is a row of its own."""
    checks = {check.pk: check for check in select.plan_checks(user, organization)}
    seen = set()
    for review in select.ministry_reviews(user, organization).iterator(chunk_size=CHUNK):
        check = checks.get(review.plan_check_id, review.plan_check)
        seen.add(check.pk)
        yield (
            *_check_head(check),
            _org(review.ministry),
            _label(MinistryReview.Verdict, review.verdict),
            review.comment,
            _local(review.reviewed_at),
        )
    for check in checks.values():
        if check.pk not in seen:
            yield (*_check_head(check), None, None, None, None)


def _check_head(check) -> tuple:
    return (
        check.programme.name,
        _label(PlanCheck.State, check.state),
        _local(check.checked_at),
        check.coordinator_comment,
    )


FOLLOW_UP_COLUMNS = (
    _c("番号", 8),
    _c("起票日時", 16),
    _c("プログラム", 18),
    _c("作業項目", 24),
    _c("原因", 10),
    _c("対応策", 48, wrap=True),
    _c("対応期限", 11),
    _c("状態", 10),
    _c("起票した団体", 24),
    _c("更新日時", 16),
)
NOTE_COLUMNS = (
    _c("フォローアップ番号", 10),
    _c("作業項目", 24),
    _c("日時", 16),
    _c("記入した団体", 24),
    _c("記入者", 14),
    _c("内容", 60, wrap=True),
)


def _follow_up_number(pk: int) -> str:
    return f"F-{pk:05d}"


def _follow_up_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.follow_ups(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _follow_up_number(item.pk),
            _local(item.created_at),
            item.programme.name,
            _work_item(item.work_item) or "（団体全体）",
            _label(FollowUp.Cause, item.cause),
            item.actions,
            item.due_on,
            _label(FollowUp.State, item.state),
            _org(item.opened_by_organization),
            _local(item.updated_at),
        )


def _note_rows(user, organization: Organization) -> Iterator[tuple]:
    for note in select.follow_up_notes(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _follow_up_number(note.follow_up_id),
            _work_item(note.follow_up.work_item) or "（団体全体）",
            _local(note.created_at),
            _org(note.author_organization),
            _person(note.author),
            note.body,
        )


INQUIRY_COLUMNS = (
    _c("受付番号", 9),
    _c("受付日時", 16),
    _c("質問者", 14),
    _c("件名", 28, wrap=True),
    _c("質問内容", 48, wrap=True),
    _c("作業項目", 16),
    _c("分野", 12),
    _c("状態", 9),
    _c("回答", 48, wrap=True),
    _c("回答日時", 16),
    _c("完了日時", 16),
)


def _inquiry_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.inquiries(user, organization).iterator(chunk_size=CHUNK):
        yield (
            item.reference,
            _local(item.created_at),
            _person(item.asker),
            item.subject,
            item.body,
            _label(InquiryWorkItem, item.work_item),
            _label(Field, item.field),
            _label(InquiryStatus, item.status),
            item.answer,
            _local(item.answered_at),
            _local(item.closed_at),
        )


EFFORT_COLUMNS = (
    _c("登録日時", 16),
    _c("登録者", 14),
    _c("資料名", 30, wrap=True),
    _c("資料の内容、用途", 48, wrap=True),
    _c("カテゴリ", 14),
    _c("状態", 9),
    _c("公開日", 11),
    _c("ファイル名", 24),
    _c("版", 5),
    _c("ダウンロード数", 9),
    _c("非表示の理由", 24, wrap=True),
)


def _effort_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.efforts(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _local(item.created_at),
            _person(item.created_by),
            item.title,
            item.purpose,
            item.category.name if item.category_id else "",
            _label(DocumentStatus, item.status),
            _local(item.published_at).date() if item.published_at else None,
            item.file_name,
            item.file_version,
            item.download_count,
            item.hidden_reason,
        )


SYSTEM_COLUMNS = (_c("システム名", 30), _c("区分", 24))


def _system_rows(user, organization: Organization) -> Iterator[tuple]:
    for link in select.systems(user, organization).iterator(chunk_size=CHUNK):
        shared = link.system.organization_id is None
        yield (link.system.name, "共通（標準の一覧から選択）" if shared else "独自システム")


def sheets(user, organization: Organization) -> list[Sheet]:
    """The sheets after 目次, in reading order. 完了時の入力項目 has no rows of its own: the
    plan sheet fills it (its ``rows`` is the :class:`_Side` the workbook attaches)."""
    answers = _Side(ANSWER_COLUMNS)
    labels = select.completion_labels()

    def rows(func):
        return lambda: func(user, organization)

    return [
        Sheet(
            "計画",
            "タスクごとの計画・実績（全項目）",
            PLAN_COLUMNS,
            lambda: _plan_rows(user, organization, answers, labels),
        ),
        Sheet("完了時の入力項目", "完了したタスクの入力項目への回答", ANSWER_COLUMNS, answers),
        Sheet(
            "計画の履歴",
            "誰が・いつ・何を変更したか（変更前 → 変更後）",
            HISTORY_COLUMNS,
            lambda: _history_rows(user, organization, labels),
        ),
        Sheet("助言", "都道府県・府省庁から受けた助言", ADVICE_COLUMNS, rows(_advice_rows)),
        Sheet("計画の確認", "総括・府省庁による計画の確認結果", CHECK_COLUMNS, rows(_check_rows)),
        Sheet("フォローアップ", "遅延へのフォローアップ", FOLLOW_UP_COLUMNS, rows(_follow_up_rows)),
        Sheet(
            "フォローアップの記録",
            "フォローアップごとのやり取り",
            NOTE_COLUMNS,
            rows(_note_rows),
        ),
        Sheet(
            "問い合わせ",
            "団体の利用者が送った問い合わせと回答",
            INQUIRY_COLUMNS,
            rows(_inquiry_rows),
        ),
        Sheet("取組情報", "団体が公開した取組情報", EFFORT_COLUMNS, rows(_effort_rows)),
        Sheet(
            "対象システム",
            "既存業務システム改修（G）の対象システム",
            SYSTEM_COLUMNS,
            rows(_system_rows),
        ),
    ]


# --- The workbook ----------------------------------------------------------------------------


def _print_setup(sheet) -> None:
    """A4 landscape, one page wide, the header row on every page, page numbers below: the
    meeting report's print setup (review.reports), for a write-only sheet."""
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as the rows need
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.print_title_rows = "2:2"
    sheet.oddFooter.center.text = "&P / &N"
    sheet.oddHeader.right.text = "&A"


def _width(column: Column) -> float:
    """The column's width, never narrower than its header on two lines (full width = 2)."""
    header = display_width(column.header)
    return max(column.width, 8, (header if header <= 16 else -(-header // 2)) + 2)


def _cell(sheet, value: object, column: Column | None = None, *, font=None, fill=None):
    cell = WriteOnlyCell(sheet)
    write(cell, value)
    if isinstance(value, dt.datetime):
        cell.number_format = TIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    if column is not None:
        cell.alignment = WRAP if column.wrap else TOP
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _begin(sheet, title: str, columns: tuple[Column, ...]) -> None:
    """Widths, frozen header, print setup (all before the first row, as write-only needs),
    then the title and the header row."""
    for number, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(number)].width = _width(column)
    sheet.freeze_panes = "A3"
    _print_setup(sheet)
    sheet.append([_cell(sheet, title, font=TITLE_FONT)])
    sheet.append([_cell(sheet, c.header, font=HEADER_FONT, fill=HEADER_FILL) for c in columns])


def _row(sheet, values: tuple, columns: tuple[Column, ...]) -> list:
    return [_cell(sheet, value, column) for value, column in zip(values, columns, strict=True)]


def _fill(sheet, spec: Sheet) -> int:
    if isinstance(spec.rows, _Side):
        return spec.rows.count  # written while another sheet streamed
    count = 0
    for values in spec.rows():
        sheet.append(_row(sheet, values, spec.columns))
        count += 1
    return count


TOC_COLUMNS = (_c("シート", 20), _c("内容", 48, wrap=True), _c("件数", 8))


def workbook(user, organization: Organization) -> bytes:
    """The whole workbook for ``organization`` as ``user`` may see it (one query per sheet,
    one for the completion items' labels and one per pass over them)."""
    made = _local(timezone.now())
    book = Workbook(write_only=True)
    toc = book.create_sheet("目次")
    _begin(toc, f"{organization.full_name}（団体コード {organization.code}）のデータ", TOC_COLUMNS)
    specs = sheets(user, organization)
    written = []
    for spec in specs:  # every sheet begun first: one may be written while another streams
        sheet = book.create_sheet(spec.title)
        _begin(sheet, f"{spec.title} — {organization.full_name}", spec.columns)
        if isinstance(spec.rows, _Side):
            spec.rows.sheet = sheet
        written.append(sheet)
    counts = [_fill(sheet, spec) for sheet, spec in zip(written, specs, strict=True)]
    for spec, count in zip(specs, counts, strict=True):
        toc.append(_row(toc, (spec.title, spec.about, count), TOC_COLUMNS))
    toc.append([])
    toc.append([_cell(toc, "作成日時"), _cell(toc, made)])
    toc.append([_cell(toc, "作成者"), _cell(toc, _person(user))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(organization: Organization, on: dt.date) -> str:
    return f"{organization.code}_{organization.name}_データ一式_{on:%Y%m%d}.xlsx"
