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
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

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
    name: str | Promise  # the header, translated when it is written
    width: float = 0  # 0: wide enough for the header
    wrap: bool = False  # long text: wrapped, top-aligned

    @property
    def header(self) -> str:
        return str(self.name)


@dataclass(frozen=True)
class Sheet:
    title: str
    about: str  # what the sheet holds, for 目次
    columns: tuple[Column, ...]
    rows: Callable[[], Iterable[tuple]] | Side


def columns(*spec: tuple[str | Promise, str]) -> tuple[Column, ...]:
    """Columns from ``(見出し, 幅)`` pairs: the width in Latin characters, ``+`` for long text
    (wrapped, top-aligned). The headers are lazy: a sheet reads in its reader's language."""
    return tuple(
        Column(header, float(width.rstrip("+")), width.endswith("+")) for header, width in spec
    )


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
ENTRY = (
    (_("プログラム"), "14+"),
    (_("作業項目"), "18+"),
    (_("タスク"), "18+"),
    (_("対象システム"), "12+"),
)
PLAN_COLUMNS = columns(
    *ENTRY,
    (_("計画開始"), "11"),
    (_("計画終了"), "11"),
    (_("実績開始"), "11"),
    (_("実績終了"), "11"),
    (_("状況"), "7"),
    (_("対象外の理由"), "16+"),
    (_("進捗率（%）"), "7"),
    (_("備考"), "28+"),
    (_("版"), "4"),
    (_("更新者"), "12"),
    (_("更新日時"), "16"),
)
ANSWER_COLUMNS = columns(
    *ENTRY,
    (_("項目"), "30+"),
    (_("回答"), "36+"),
)


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


HISTORY_COLUMNS = columns(
    (_("日時"), "16"),
    (_("変更者"), "14"),
    *ENTRY,
    (_("版"), "5"),
    (_("項目"), "14"),
    (_("変更前"), "28+"),
    (_("変更後"), "28+"),
)
# simple_history's record types: a row of its own for an entry made or removed.
EVENTS = {"+": _("（作成）"), "-": _("（削除）")}
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
        return pgettext("list separator", "、").join(texts) or None
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
            yield (*head, *key, str(event), None, None)
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


ADVICE_COLUMNS = columns(
    (_("日時"), "16"),
    (_("プログラム"), "18"),
    (_("助言した団体"), "24"),
    (_("助言者"), "14"),
    (_("助言"), "60+"),
)


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
    (_("プログラム"), "18"),
    (_("確認の状態"), "12"),
    (_("総括確認日時"), "16"),
    (_("総括のコメント"), "36+"),
    (_("府省庁"), "24"),
    (_("計画の妥当性"), "10"),
    (_("府省庁のコメント"), "36+"),
    (_("府省庁確認日時"), "16"),
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
    (_("番号"), "8"),
    (_("起票日時"), "16"),
    (_("プログラム"), "18"),
    (_("作業項目"), "24"),
    (_("原因"), "10"),
    (_("対応策"), "48+"),
    (_("対応期限"), "11"),
    (_("状態"), "10"),
    (_("起票した団体"), "24"),
    (_("更新日時"), "16"),
)
NOTE_COLUMNS = columns(
    (_("フォローアップ番号"), "10"),
    (_("作業項目"), "24"),
    (_("日時"), "16"),
    (_("記入した団体"), "24"),
    (_("記入者"), "14"),
    (_("内容"), "60+"),
)


def _follow_up_number(pk: int) -> str:
    return f"F-{pk:05d}"


def _follow_up_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.follow_ups(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _follow_up_number(item.pk),
            local(item.created_at),
            item.programme.name,
            _work_item(item.work_item) or gettext("（団体全体）"),
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
            _work_item(note.follow_up.work_item) or gettext("（団体全体）"),
            local(note.created_at),
            _org(note.author_organization),
            person(note.author),
            note.body,
        )


INQUIRY_COLUMNS = columns(
    (_("受付番号"), "9"),
    (_("受付日時"), "16"),
    (_("質問者"), "14"),
    (_("件名"), "28+"),
    (_("質問内容"), "48+"),
    (_("作業項目"), "16"),
    (_("分野"), "12"),
    (_("状態"), "9"),
    (_("回答"), "48+"),
    (_("回答日時"), "16"),
    (_("完了日時"), "16"),
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
    (_("登録日時"), "16"),
    (_("登録者"), "14"),
    (_("資料名"), "30+"),
    (_("資料の内容、用途"), "48+"),
    (_("カテゴリ"), "14"),
    (_("状態"), "9"),
    (_("公開日"), "11"),
    (_("ファイル名"), "24"),
    (_("版"), "5"),
    (_("ダウンロード数"), "9"),
    (_("非表示の理由"), "24+"),
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


SYSTEM_COLUMNS = columns(
    (_("システム名"), "30"),
    (_("区分"), "24"),
)


def _system_rows(user, organization: Organization) -> Iterator[tuple]:
    for link in select.systems(user, organization).iterator(chunk_size=CHUNK):
        shared = link.system.organization_id is None
        yield (
            link.system.name,
            gettext("共通（標準の一覧から選択）") if shared else gettext("独自システム"),
        )


def sheets(user, organization: Organization) -> list[Sheet]:
    """The sheets after 目次, in reading order. 完了時の入力項目 has no rows of its own: the
    plan sheet fills it (its ``rows`` is a :class:`Side`)."""
    answers = Side()
    labels = select.completion_labels()

    def rows(func):
        return lambda: func(user, organization)

    return [
        Sheet(
            gettext("計画"),
            gettext("タスクごとの計画・実績（全項目）"),
            PLAN_COLUMNS,
            lambda: _plan_rows(user, organization, answers, labels),
        ),
        Sheet(
            gettext("完了時の入力項目"),
            gettext("完了したタスクの入力項目への回答"),
            ANSWER_COLUMNS,
            answers,
        ),
        Sheet(
            gettext("計画の履歴"),
            gettext("誰が・いつ・何を変更したか（変更前 → 変更後）"),
            HISTORY_COLUMNS,
            lambda: _history_rows(user, organization, labels),
        ),
        Sheet(
            gettext("助言"),
            gettext("都道府県・府省庁から受けた助言"),
            ADVICE_COLUMNS,
            rows(_advice_rows),
        ),
        Sheet(
            gettext("計画の確認"),
            gettext("総括・府省庁による計画の確認結果"),
            CHECK_COLUMNS,
            rows(_check_rows),
        ),
        Sheet(
            gettext("フォローアップ"),
            gettext("遅延へのフォローアップ"),
            FOLLOW_UP_COLUMNS,
            rows(_follow_up_rows),
        ),
        Sheet(
            gettext("フォローアップの記録"),
            gettext("フォローアップごとのやり取り"),
            NOTE_COLUMNS,
            rows(_note_rows),
        ),
        Sheet(
            gettext("問い合わせ"),
            gettext("団体の利用者が送った問い合わせと回答"),
            INQUIRY_COLUMNS,
            rows(_inquiry_rows),
        ),
        Sheet(
            gettext("取組情報"),
            gettext("団体が公開した取組情報"),
            EFFORT_COLUMNS,
            rows(_effort_rows),
        ),
        Sheet(
            gettext("対象システム"),
            gettext("既存業務システム改修（G）の対象システム"),
            SYSTEM_COLUMNS,
            rows(_system_rows),
        ),
    ]
