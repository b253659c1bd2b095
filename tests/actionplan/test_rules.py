"""Table tests of the pure rules (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from actionplan import rules
from actionplan.rules import Context, EntryValues, MilestoneRule, Question

D = dt.date
SPAN = "プログラムの期間（2015/01/01〜2017/12/31）内の日付を入力してください。"
CTX = Context(
    today=D(2015, 8, 1),
    span_start=D(2015, 1, 1),
    span_end=D(2017, 12, 31),
    questions=(
        Question("1", "本番環境での動作確認", "yes_no", True),
        Question("2", "受講者数", "number", True),
        Question("3", "実施した評価", "choice", False, ("基礎項目評価", "全項目評価")),
        Question("4", "研修の実施日", "date", False),
    ),
)
DONE_ANSWERS = {"1": "yes", "2": "12"}


@pytest.mark.parametrize(
    ("kinds", "kind", "expected"),
    [
        ([], "prefecture", True),
        ([], "municipality", True),
        (["municipality"], "municipality", True),
        (["municipality"], "prefecture", False),
        (["municipality"], "association", False),
        (["prefecture", "association"], "association", True),
    ],
)
def test_applicability(kinds, kind, expected):
    assert rules.applies(kinds, kind) is expected


MILESTONES = [
    MilestoneRule(D(2017, 6, 30)),
    MilestoneRule(D(2016, 12, 28), "prefecture"),
    MilestoneRule(D(2016, 11, 30), "municipality", "designated"),
    MilestoneRule(D(2017, 3, 31), "municipality"),
]


@pytest.mark.parametrize(
    ("kind", "klass", "expected"),
    [
        ("municipality", "designated", D(2016, 11, 30)),  # class beats kind
        ("municipality", "town", D(2017, 3, 31)),  # kind beats default
        ("prefecture", "", D(2016, 12, 28)),
        ("association", "", D(2017, 6, 30)),  # default
    ],
)
def test_most_specific_milestone_wins(kind, klass, expected):
    assert rules.choose_milestone(MILESTONES, kind, klass) == expected


def test_no_milestone_when_none_fits():
    assert (
        rules.choose_milestone([MilestoneRule(D(2016, 1, 1), "prefecture")], "municipality") is None
    )


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (EntryValues(), {}),
        (EntryValues(planned_start=D(2015, 4, 1), planned_end=D(2015, 9, 30)), {}),
        (EntryValues(planned_start=D(2015, 4, 1), planned_end=D(2015, 4, 1)), {}),
        (
            EntryValues(planned_start=D(2015, 4, 2), planned_end=D(2015, 4, 1)),
            {"planned_end": "計画終了日は計画開始日（2015/04/02）以降にしてください。"},
        ),
        (
            EntryValues(
                actual_start=D(2015, 5, 1), actual_end=D(2015, 4, 30), status="in_progress"
            ),
            {"actual_end": "実績終了日は実績開始日（2015/05/01）以降にしてください。"},
        ),
        (
            EntryValues(actual_start=D(2015, 8, 2), status="in_progress"),
            {"actual_start": "実績の日付に未来の日付は入力できません。"},
        ),
        (EntryValues(actual_start=D(2015, 8, 1), status="in_progress"), {}),  # today is fine
        (
            EntryValues(planned_start=D(2014, 12, 31)),
            {"planned_start": SPAN},
        ),
        (
            EntryValues(planned_end=D(2018, 1, 1)),
            {"planned_end": SPAN},
        ),
        (EntryValues(planned_start=D(2015, 1, 1), planned_end=D(2017, 12, 31)), {}),
        (
            EntryValues(status="not_applicable"),
            {"not_applicable_reason": "対象外とする理由を入力してください。"},
        ),
        (EntryValues(status="not_applicable", not_applicable_reason="一部事務組合で実施"), {}),
        (
            EntryValues(status="in_progress"),
            {"actual_start": "実施中・完了のときは実績開始日を入力してください。"},
        ),
        (EntryValues(progress=101), {"progress": "進捗率は0から100の整数で入力してください。"}),
        (EntryValues(status="bogus"), {"status": "状況を選んでください。"}),
    ],
)
def test_validate(values, errors):
    assert rules.validate(values, CTX) == errors


def test_done_needs_actual_end_and_required_items():
    errors = rules.validate(EntryValues(status="done", actual_start=D(2015, 4, 1)), CTX)
    assert errors == {
        "actual_end": "完了にするには実績終了日を入力してください。",
        "c_1": "完了にするには「本番環境での動作確認」を入力してください。",
        "c_2": "完了にするには「受講者数」を入力してください。",
    }


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        (DONE_ANSWERS, {}),
        ({**DONE_ANSWERS, "2": "十二"}, {"c_2": "「受講者数」: 数値で入力してください。"}),
        (
            {**DONE_ANSWERS, "1": "maybe"},
            {"c_1": "「本番環境での動作確認」: 「はい」か「いいえ」を選んでください。"},
        ),
        (
            {**DONE_ANSWERS, "3": "重点"},
            {"c_3": "「実施した評価」: 選択肢の中から選んでください。"},
        ),
        ({**DONE_ANSWERS, "3": "全項目評価", "4": "2015-07-09"}, {}),
        (
            {**DONE_ANSWERS, "4": "7月"},
            {"c_4": "「研修の実施日」: 日付は 2015/07/09 の形で、実在する日付を入力してください。"},
        ),
    ],
)
def test_completion_answers(answers, errors):
    values = EntryValues(
        status="done", actual_start=D(2015, 4, 1), actual_end=D(2015, 7, 1), completion=answers
    )
    assert rules.validate(values, CTX) == errors


def test_answers_are_not_checked_until_done():
    values = EntryValues(status="in_progress", actual_start=D(2015, 4, 1), completion={"2": "x"})
    assert rules.validate(values, CTX) == {}


@pytest.mark.parametrize(
    ("planned_end", "milestone", "expected"),
    [
        (D(2015, 9, 30), D(2015, 9, 30), []),  # on the day: fine
        (
            D(2015, 10, 1),
            D(2015, 9, 30),
            ["計画終了がマイルストーン（2015/09/30）より1日遅れています。"],
        ),
        (D(2015, 10, 1), None, []),
    ],
)
def test_warning_plan_after_milestone(planned_end, milestone, expected):
    assert rules.warnings(EntryValues(planned_end=planned_end), milestone) == expected


@pytest.mark.parametrize(
    ("start", "dependency_end", "warned"),
    [
        (D(2016, 3, 31), D(2016, 4, 1), True),
        (D(2016, 4, 1), D(2016, 4, 1), False),
        (D(2016, 4, 2), D(2016, 4, 1), False),
        (D(2016, 3, 1), None, False),
    ],
)
def test_warning_planned_before_dependency(start, dependency_end, warned):
    found = rules.warnings(
        EntryValues(planned_start=start), None, [rules.Dependency("テスト", dependency_end)]
    )
    assert bool(found) is warned
    if warned:
        assert "前提タスク「テスト」" in found[0]


DONE, IN_PROGRESS, NOT_STARTED, NA = "done", "in_progress", "not_started", "not_applicable"


@pytest.mark.parametrize(
    ("status", "prerequisite", "expected"),
    [
        (DONE, NOT_STARTED, "前提タスク「製造」が未着手なのに完了になっています。"),
        (IN_PROGRESS, NOT_STARTED, "前提タスク「製造」が未着手なのに実施中になっています。"),
        (DONE, IN_PROGRESS, "前提タスク「製造」が完了前なのに完了になっています。"),
        (IN_PROGRESS, IN_PROGRESS, None),
        (DONE, DONE, None),
        (NOT_STARTED, NOT_STARTED, None),
        (NA, NOT_STARTED, None),  # 対象外 needs nothing before it
    ],
)
def test_warning_out_of_order_by_status(status, prerequisite, expected):
    found = rules.warnings(
        EntryValues(status=status), None, [rules.Dependency("製造", None, prerequisite)]
    )
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("entries", "end", "status"),
    [
        ([(D(2015, 10, 1), DONE), (D(2015, 11, 1), NOT_STARTED)], D(2015, 11, 1), NOT_STARTED),
        ([(D(2015, 10, 1), DONE), (None, IN_PROGRESS)], D(2015, 10, 1), IN_PROGRESS),
        ([(D(2015, 10, 1), DONE), (D(2016, 1, 1), NA)], D(2015, 10, 1), DONE),
        ([(D(2016, 1, 1), NA)], None, DONE),
    ],
)
def test_a_prerequisite_over_several_systems_is_its_least_progressed(entries, end, status):
    values = [EntryValues(planned_end=day, status=state) for day, state in entries]
    assert rules.combine("テスト", values) == rules.Dependency("テスト", end, status)
