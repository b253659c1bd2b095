"""The own-data workbook's sheets of what the organisation exchanged with others about its
plan and work: advice received, plan checks, follow-ups and their notes, inquiries, and the
efforts (取組情報) it published. Each row source is a generator over one queryset of
:mod:`actionplan.export_selectors`, read with ``.iterator()``."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from actionplan import export_selectors as select
from actionplan.export_cells import (
    CHUNK,
    choice_label,
    columns,
    local,
    organization_name,
    person,
    work_item_name,
)
from documents.models import Status as DocumentStatus
from faq.models import Field, InquiryStatus
from faq.models import WorkItem as InquiryWorkItem
from orgs.models import Organization
from review.models import FollowUp, MinistryReview, PlanCheck

ADVICE_COLUMNS = columns(
    (_("日時"), "16"),
    (_("プログラム"), "18"),
    (_("助言した団体"), "24"),
    (_("助言者"), "14"),
    (_("助言"), "60+"),
)


def advice_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.advice(user, organization).iterator(chunk_size=CHUNK):
        yield (
            local(item.created_at),
            item.programme.name,
            organization_name(item.author_organization),
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


def check_rows(user, organization: Organization) -> Iterator[tuple]:
    """One row per ministry asked to check the plan; a plan check that no ministry has yet
    been asked about (総括確認待ち) is a row of its own."""
    checks = {check.pk: check for check in select.plan_checks(user, organization)}
    seen = set()
    for review in select.ministry_reviews(user, organization).iterator(chunk_size=CHUNK):
        check = checks.get(review.plan_check_id, review.plan_check)
        seen.add(check.pk)
        yield (
            *_check_head(check),
            organization_name(review.ministry),
            choice_label(MinistryReview.Verdict, review.verdict),
            review.comment,
            local(review.reviewed_at),
        )
    for check in checks.values():
        if check.pk not in seen:
            yield (*_check_head(check), None, None, None, None)


def _check_head(check) -> tuple:
    return (
        check.programme.name,
        choice_label(PlanCheck.State, check.state),
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


def follow_up_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.follow_ups(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _follow_up_number(item.pk),
            local(item.created_at),
            item.programme.name,
            work_item_name(item.work_item) or gettext("（団体全体）"),
            choice_label(FollowUp.Cause, item.cause),
            item.actions,
            item.due_on,
            choice_label(FollowUp.State, item.state),
            organization_name(item.opened_by_organization),
            local(item.updated_at),
        )


def note_rows(user, organization: Organization) -> Iterator[tuple]:
    for note in select.follow_up_notes(user, organization).iterator(chunk_size=CHUNK):
        yield (
            _follow_up_number(note.follow_up_id),
            work_item_name(note.follow_up.work_item) or gettext("（団体全体）"),
            local(note.created_at),
            organization_name(note.author_organization),
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


def inquiry_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.inquiries(user, organization).iterator(chunk_size=CHUNK):
        yield (
            item.reference,
            local(item.created_at),
            person(item.asker),
            item.subject,
            item.body,
            choice_label(InquiryWorkItem, item.work_item),
            choice_label(Field, item.field),
            choice_label(InquiryStatus, item.status),
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


def effort_rows(user, organization: Organization) -> Iterator[tuple]:
    for item in select.efforts(user, organization).iterator(chunk_size=CHUNK):
        yield (
            local(item.created_at),
            person(item.created_by),
            item.title,
            item.purpose,
            item.category.name if item.category_id else "",
            choice_label(DocumentStatus, item.status),
            item.published_at and timezone.localtime(item.published_at).date(),
            item.file_name,
            item.file_version,
            item.download_count,
            item.hidden_reason,
        )
