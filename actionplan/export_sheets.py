"""The sheets of an organisation's own-data workbook (:mod:`actionplan.exports`): for each
kind of record, its columns (Japanese headers, widths) and its rows, as a person reads them —
labels instead of stored codes, names instead of ids, Tokyo time, typed dates and numbers.

Each row source is a generator over one queryset of :mod:`actionplan.export_selectors`, read
with ``.iterator()``: rows are made as the workbook writes them, never all held at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from actionplan import export_selectors as select
from actionplan import rules
from actionplan.models import EDITABLE_FIELDS, PlanEntry, Status
from documents.models import Status as DocumentStatus
from faq.models import Field, InquiryStatus
from faq.models import WorkItem as InquiryWorkItem
from orgs.models import Organization
from pmo import field_labels, questions
from pmo.questions import AnswerError, Kind
from review.models import FollowUp, MinistryReview, PlanCheck

CHUNK = 2_000  # rows fetched at a time by .iterator()


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
    rows: Callable[[], Iterable[tuple]] | Side


def columns(spec: str) -> tuple[Column, ...]:
    """Columns from ``"見出し:幅 見出し:幅+ …"``: the width in Latin characters, ``+`` for
    long text (wrapped, top-aligned)."""
    found = []
    for part in spec.split():
        header, _, width = part.rpartition(":")
        found.append(Column(header, float(width.rstrip("+")), width.endswith("+")))
    return tuple(found)


# --- Values as a person reads them ---------------------------------------------------------


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time as Tokyo time without a zone: a spreadsheet has no time zones."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0)


def person(user) -> str:
    return (user.display_name or user.email) if user is not None else ""


def _org(organization: Organization | None) -> str:
    return organization.full_name if organization is not None else ""


def _work_item(work_item) -> str:
    return f"{work_item.code}. {work_item.name}" if work_item is not None else ""


def _label(choices, value: object) -> str:
    """The label people read for a stored code (the code itself when it is unknown)."""
    return str(dict(choices.choices).get(value, value)) if value else ""


def _answer(kind: str, value: object) -> object:
    """A completion answer as stored (text, ISO date, number as text, yes/no, choices) typed
    for the sheet: a date, a number, or the text :func:`pmo.questions.display` shows."""
    if questions.is_empty(value):
        return None
    spec = questions.Spec(rules.kind_of(kind))
    try:
        if spec.kind == Kind.DATE:
            return questions.parse_date(value)
        if spec.kind == Kind.NUMBER:
            number = questions.parse_number(value)
            return int(number) if number == number.to_integral_value() else float(number)
    except AnswerError:
        return str(value)
    return questions.display(spec, value)


# --- The sheets ------------------------------------------------------------------------------

# プログラム, 作業項目, タスク, 対象システム: which entry a row is about.
ENTRY = "プログラム:14+ 作業項目:18+ タスク:18+ 対象システム:12+ "
PLAN_COLUMNS = columns(
    ENTRY + "計画開始:11 計画終了:11 実績開始:11 実績終了:11 状況:7 対象外の理由:16+ "
    "進捗率（%）:7 備考:28+ 版:4 更新者:12 更新日時:16"
)
ANSWER_COLUMNS = columns(ENTRY + "項目:30+ 回答:36+")


def _entry_key(entry) -> tuple:
    """プログラム, 作業項目, タスク, 対象システム: the columns that say which entry a row is."""
    work_item = entry.task.work_item
    system = entry.system.name if entry.system_id else ""
    return (work_item.programme.name, _work_item(work_item), entry.task.name, system)


class Side:
    """A second sheet written while the first streams: the completion answers are read with
    the plan's entries (no second pass over them) and go straight to their own sheet, through
    ``target``, which the workbook sets to its sheet's appender."""

    def __init__(self) -> None:
        self.target: Callable[[tuple], None] | None = None
        self.count = 0

    def append(self, row: tuple) -> None:
        assert self.target is not None, "the workbook sets the target before writing"
        self.target(row)
        self.count += 1


def _plan_rows(user, organization: Organization, answers: Side, labels: dict) -> Iterator[tuple]:
    """The plan, one row per entry, with every field a person enters or reads back."""
    for entry in select.entries(user, organization).iterator(chunk_size=CHUNK):
        key = _entry_key(entry)
        for item_key, value in (entry.completion or {}).items():
            label, kind = labels.get(str(item_key), (str(item_key), Kind.LONG_TEXT))
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
            person(entry.updated_by),
            local(entry.updated_at),
        )


HISTORY_COLUMNS = columns("日時:16 変更者:14 " + ENTRY + "版:5 項目:14 変更前:28+ 変更後:28+")
# simple_history's record types: a row of its own for an entry made or removed.
EVENTS = {"+": "（作成）", "-": "（削除）"}
# A new entry's blanks are not changes.
EMPTY: tuple[object, ...] = (None, "", {}, 0, Status.NOT_STARTED)


def _answer_text(kind: str, value: object) -> str:
    typed = _answer(kind, value)
    return f"{typed:%Y/%m/%d}" if isinstance(typed, dt.date) else str(typed or "")


def _shown(name: str, value: object, labels: dict) -> object:
    """A field's value in a history row, as the plan page shows it."""
    if name == "status":
        return _label(Status, value)
    if name == "completion":
        answers = value if isinstance(value, dict) else {}
        texts = []
        for key, answer in answers.items():
            label, kind = labels.get(str(key), (str(key), Kind.LONG_TEXT))
            texts.append(f"{label}: {_answer_text(kind, answer)}")
        return "、".join(texts) or None
    return value if value != "" else None


def _history_rows(user, organization: Organization, labels: dict) -> Iterator[tuple]:
    """Who changed what, when, old → new: one row per changed field of each version, each
    version compared with the previous one of the same entry (the rows come grouped)."""
    names = {name: field_labels.label(PlanEntry, name) for name in EDITABLE_FIELDS}
    previous: Any = None  # the history record before this one (simple-history's model)
    for record in select.history(user, organization).iterator(chunk_size=CHUNK):
        older = previous if previous is not None and previous.id == record.id else None
        previous = record
        head = (local(record.history_date), person(record.history_user))
        key = (*_entry_key(record), record.version)
        if event := EVENTS.get(record.history_type):
            yield (*head, *key, event, None, None)
            if record.history_type == "-":
                continue
        for name, label in names.items():
            before = getattr(older, name) if older is not None else None
            after = getattr(record, name)
            if older is None and after in EMPTY:
                continue
            if before != after:
                yield (
                    *head,
                    *key,
                    label,
                    _shown(name, before, labels),
                    _shown(name, after, labels),
                )


ADVICE_COLUMNS = columns("日時:16 プログラム:18 助言した団体:24 助言者:14 助言:60+")


def _advice_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.advice(user, organization).iterator(chunk_size=CHUNK):
        yield (
            local(item.created_at),
            item.programme.name,
            _org(item.author_organization),
            person(item.author),
            item.body,
        )


CHECK_COLUMNS = columns(
    "プログラム:18 確認の状態:12 総括確認日時:16 総括のコメント:36+ "
    "府省庁:24 計画の妥当性:10 府省庁のコメント:36+ 府省庁確認日時:16"
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
            local(review.reviewed_at),
        )
    for check in checks.values():
        if check.pk not in seen:
            yield (*_check_head(check), None, None, None, None)


def _check_head(check) -> tuple:
    return (
        check.programme.name,
        _label(PlanCheck.State, check.state),
        local(check.checked_at),
        check.coordinator_comment,
    )


FOLLOW_UP_COLUMNS = columns(
    "番号:8 起票日時:16 プログラム:18 作業項目:24 原因:10 対応策:48+ 対応期限:11 状態:10 "
    "起票した団体:24 更新日時:16"
)
NOTE_COLUMNS = columns(
    "フォローアップ番号:10 作業項目:24 日時:16 記入した団体:24 記入者:14 内容:60+"
)


def _follow_up_number(pk: int) -> str:
    return f"F-{pk:05d}"


def _follow_up_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.follow_ups(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _follow_up_number(item.pk),
            local(item.created_at),
            item.programme.name,
            _work_item(item.work_item) or "（団体全体）",
            _label(FollowUp.Cause, item.cause),
            item.actions,
            item.due_on,
            _label(FollowUp.State, item.state),
            _org(item.opened_by_organization),
            local(item.updated_at),
        )


def _note_rows(user, organization: Organization) -> Iterator[tuple]:
    for note in select.follow_up_notes(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _follow_up_number(note.follow_up_id),
            _work_item(note.follow_up.work_item) or "（団体全体）",
            local(note.created_at),
            _org(note.author_organization),
            person(note.author),
            note.body,
        )


INQUIRY_COLUMNS = columns(
    "受付番号:9 受付日時:16 質問者:14 件名:28+ 質問内容:48+ 作業項目:16 分野:12 状態:9 "
    "回答:48+ 回答日時:16 完了日時:16"
)


def _inquiry_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.inquiries(user, organization).iterator(chunk_size=CHUNK):
        yield (
            item.reference,
            local(item.created_at),
            person(item.asker),
            item.subject,
            item.body,
            _label(InquiryWorkItem, item.work_item),
            _label(Field, item.field),
            _label(InquiryStatus, item.status),
            item.answer,
            local(item.answered_at),
            local(item.closed_at),
        )


EFFORT_COLUMNS = columns(
    "登録日時:16 登録者:14 資料名:30+ 資料の内容、用途:48+ カテゴリ:14 状態:9 公開日:11 "
    "ファイル名:24 版:5 ダウンロード数:9 非表示の理由:24+"
)


def _effort_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.efforts(user, organization).iterator(chunk_size=CHUNK):
        yield (
            local(item.created_at),
            person(item.created_by),
            item.title,
            item.purpose,
            item.category.name if item.category_id else "",
            _label(DocumentStatus, item.status),
            item.published_at and timezone.localtime(item.published_at).date(),
            item.file_name,
            item.file_version,
            item.download_count,
            item.hidden_reason,
        )


SYSTEM_COLUMNS = columns("システム名:30 区分:24")


def _system_rows(user, organization: Organization) -> Iterator[tuple]:
    for link in select.systems(user, organization).iterator(chunk_size=CHUNK):
        shared = link.system.organization_id is None
        yield (link.system.name, "共通（標準の一覧から選択）" if shared else "独自システム")


def sheets(user, organization: Organization) -> list[Sheet]:
    """The sheets after 目次, in reading order. 完了時の入力項目 has no rows of its own: the
    plan sheet fills it (its ``rows`` is a :class:`Side`)."""
    answers = Side()
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
