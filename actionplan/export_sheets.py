"""The sheets of an organisation's own-data workbook (:mod:`actionplan.exports`) after 目次,
in reading order, each with its title, what it holds, its columns and its rows: the plan's own
(:mod:`actionplan.export_plan_sheets`) and what was exchanged about it
(:mod:`actionplan.export_record_sheets`)."""

from __future__ import annotations

from django.utils.translation import gettext

from actionplan import export_selectors as select
from actionplan.export_cells import Sheet, Side
from actionplan.export_plan_sheets import (
    ANSWER_COLUMNS,
    HISTORY_COLUMNS,
    PLAN_COLUMNS,
    SYSTEM_COLUMNS,
    history_rows,
    plan_rows,
    system_rows,
)
from actionplan.export_record_sheets import (
    ADVICE_COLUMNS,
    CHECK_COLUMNS,
    EFFORT_COLUMNS,
    FOLLOW_UP_COLUMNS,
    INQUIRY_COLUMNS,
    NOTE_COLUMNS,
    advice_rows,
    check_rows,
    effort_rows,
    follow_up_rows,
    inquiry_rows,
    note_rows,
)
from orgs.models import Organization


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
            lambda: plan_rows(user, organization, answers, labels),
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
            lambda: history_rows(user, organization, labels),
        ),
        Sheet(
            gettext("助言"),
            gettext("都道府県・府省庁から受けた助言"),
            ADVICE_COLUMNS,
            rows(advice_rows),
        ),
        Sheet(
            gettext("計画の確認"),
            gettext("総括・府省庁による計画の確認結果"),
            CHECK_COLUMNS,
            rows(check_rows),
        ),
        Sheet(
            gettext("フォローアップ"),
            gettext("遅延へのフォローアップ"),
            FOLLOW_UP_COLUMNS,
            rows(follow_up_rows),
        ),
        Sheet(
            gettext("フォローアップの記録"),
            gettext("フォローアップごとのやり取り"),
            NOTE_COLUMNS,
            rows(note_rows),
        ),
        Sheet(
            gettext("問い合わせ"),
            gettext("団体の利用者が送った問い合わせと回答"),
            INQUIRY_COLUMNS,
            rows(inquiry_rows),
        ),
        Sheet(
            gettext("取組情報"),
            gettext("団体が公開した取組情報"),
            EFFORT_COLUMNS,
            rows(effort_rows),
        ),
        Sheet(
            gettext("対象システム"),
            gettext("既存業務システム改修（G）の対象システム"),
            SYSTEM_COLUMNS,
            rows(system_rows),
        ),
    ]
