"""Completion items on the survey desk's question kinds (pmo.questions): the legacy kinds'
mapping, the answers stored before (ISO dates, "yes"/"no", choice text, numbers as text) still
valid and shown the same, and the new kinds (ranges with a unit, multiple choice). Table tests
of pure functions, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from actionplan import excel_items, rules
from actionplan.export_cells import typed_answer
from actionplan.models import CompletionItem
from actionplan.rules import Question
from pmo import questions
from pmo.questions import AnswerError, Kind


@pytest.mark.parametrize(
    ("stored_kind", "kind"),
    [
        ("choice", Kind.SINGLE),
        ("text", Kind.LONG_TEXT),
        ("date", Kind.DATE),
        ("number", Kind.NUMBER),
        ("yes_no", Kind.YES_NO),
        ("single", Kind.SINGLE),
        ("multiple", Kind.MULTIPLE),
        ("short_text", Kind.SHORT_TEXT),
        ("long_text", Kind.LONG_TEXT),
    ],
)
def test_a_legacy_kind_maps_to_a_shared_one(stored_kind, kind):
    assert rules.kind_of(stored_kind) == kind
    assert Question("1", "項目", stored_kind).spec.kind == kind


def test_the_migration_renames_as_the_rules_read():
    from importlib import import_module

    migration = import_module("actionplan.migrations.0006_completion_items_question_kinds")
    assert migration.RENAMED == rules.LEGACY_KINDS


def test_completion_items_offer_every_kind_but_a_table():
    offered = [value for value, _label in CompletionItem.KINDS]
    assert offered == [kind.value for kind in questions.COLUMN_KINDS]
    assert Kind.TABLE not in offered and len(offered) == 7


CHOICES = ("パッケージの更新", "個別改修", "システム更改（全面）")

# (kind, the answer as PlanEntry.completion has stored it since before, what the plan shows)
OLD_ANSWERS = [
    ("date", "2015-07-09", "2015/07/09"),
    ("yes_no", "yes", "はい"),
    ("yes_no", "no", "いいえ"),
    ("choice", "個別改修", "個別改修"),
    ("choice", "システム更改（全面）", "システム更改（全面）"),  # full-width brackets as typed
    ("number", "12", "12"),
    ("number", "1.10", "1.10"),
    ("number", "-3", "-3"),
    ("text", "庁内で実施済み", "庁内で実施済み"),
    ("text", "x" * 2000, "x" * 2000),  # the old limit
]


@pytest.mark.parametrize(("kind", "stored", "shown"), OLD_ANSWERS)
def test_an_answer_stored_before_still_completes_and_reads_the_same(kind, stored, shown):
    question = Question("1", "項目", kind, True, CHOICES)
    assert rules.answer_problem(question, stored) == ""
    assert rules.stored_answer(question, stored) == stored  # saved again unchanged
    assert questions.display(question.spec, stored) == shown


@pytest.mark.parametrize(
    ("kind", "stored", "cell"),
    [
        ("date", "2015-07-09", dt.date(2015, 7, 9)),
        ("yes_no", "yes", "はい"),
        ("yes_no", "no", "いいえ"),
        ("choice", "個別改修", "個別改修"),
        ("number", "12", Decimal("12")),
        ("number", "1.10", Decimal("1.10")),
        ("text", "実施済み", "実施済み"),
        ("date", "7月ごろ", "7月ごろ"),  # what its kind cannot read stays text
        ("number", "十二", "十二"),
        ("yes_no", "たぶん", "たぶん"),
    ],
)
def test_an_old_answer_in_the_plan_sheet(kind, stored, cell):
    item = CompletionItem(pk=1, label="項目", kind=kind, choices="\n".join(CHOICES))
    assert excel_items.shown(item, stored) == cell


@pytest.mark.parametrize(
    ("kind", "stored", "cell"),
    [
        ("date", "2015-07-09", dt.date(2015, 7, 9)),
        ("yes_no", "yes", "はい"),
        ("yes_no", "no", "いいえ"),
        ("number", "12", 12),
        ("number", "0.5", 0.5),
        ("choice", "個別改修", "個別改修"),
        ("text", "実施済み", "実施済み"),
        ("multiple", ["住基", "税"], "住基、税"),
        ("date", "7月", "7月"),
        ("number", "", None),
    ],
)
def test_an_answer_in_the_export(kind, stored, cell):
    assert typed_answer(kind, stored) == cell


PEOPLE = Question(
    "2", "受講者数", Kind.NUMBER, True, unit="人", min_value=Decimal(1), max_value=Decimal(500)
)
SYSTEMS = Question("3", "改修したシステム", Kind.MULTIPLE, False, ("住基", "税", "福祉"))
NAME = Question("4", "担当課", Kind.SHORT_TEXT, False)


@pytest.mark.parametrize(
    ("question", "raw", "stored"),
    [
        (PEOPLE, "12", "12"),
        (PEOPLE, "１２", "12"),
        (PEOPLE, "1", "1"),
        (PEOPLE, "500", "500"),
        (SYSTEMS, ["税", "住基"], ["住基", "税"]),  # in the offered order
        (SYSTEMS, ["税"], ["税"]),
        (SYSTEMS, [], None),
        (NAME, "  情報政策課 ", "情報政策課"),
        (Question("5", "動作確認", Kind.YES_NO), "はい", rules.YES),
        (Question("5", "動作確認", Kind.YES_NO), "いいえ", rules.NO),
        (Question("5", "動作確認", Kind.YES_NO), True, rules.YES),
        (Question("6", "実施日", Kind.DATE), "2015/7/9", "2015-07-09"),
        (Question("6", "実施日", Kind.DATE), dt.date(2015, 7, 9), "2015-07-09"),
        (Question("7", "方法", "choice", choices=CHOICES), "システム更改(全面)", CHOICES[2]),
    ],
)
def test_stored_answer(question, raw, stored):
    assert rules.stored_answer(question, raw) == stored


@pytest.mark.parametrize(
    ("question", "answer", "problem"),
    [
        (PEOPLE, "0", "「受講者数」: 1人以上500人以下の数値を入力してください。"),
        (PEOPLE, "501", "「受講者数」: 1人以上500人以下の数値を入力してください。"),
        (PEOPLE, "たくさん", "「受講者数」: 数値で入力してください。"),
        (PEOPLE, "", "完了にするには「受講者数」を入力してください。"),
        (PEOPLE, None, "完了にするには「受講者数」を入力してください。"),
        (SYSTEMS, ["税", "国保"], "「改修したシステム」: 選択肢にない回答です: 国保"),
        (SYSTEMS, [], ""),  # not required
        (SYSTEMS, ["福祉"], ""),
        (NAME, "課" * 201, "「担当課」: 200文字以内で入力してください。"),
        (Question("8", "備考", "text"), "x" * 4001, "「備考」: 4000文字以内で入力してください。"),
        (
            Question("9", "確認", Kind.YES_NO, False),
            "maybe",
            "「確認」: 「はい」か「いいえ」を選んでください。",
        ),
        (
            Question("9", "確認", Kind.YES_NO, True),
            "  ",
            "完了にするには「確認」を入力してください。",
        ),
    ],
)
def test_answer_problem(question, answer, problem):
    assert rules.answer_problem(question, answer) == problem


def test_a_bad_answer_raises_the_shared_message():
    with pytest.raises(AnswerError, match=r"^1人以上500人以下の数値を入力してください。$"):
        rules.stored_answer(PEOPLE, "0")


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("住基、税", ["住基", "税"]),
        ("住基,税，福祉", ["住基", "税", "福祉"]),
        ("住基\n税", ["住基", "税"]),
        ("", []),
        (None, []),
        (["住基"], ["住基"]),
    ],
)
def test_split_choices(raw, parts):
    assert questions.split_choices(raw) == parts


NO_CHOICES = "選択肢を1つ以上、1行に1つずつ入力してください。"


@pytest.mark.parametrize(
    ("item", "problems"),
    [
        (CompletionItem(label="方法", kind="single"), [NO_CHOICES]),
        (CompletionItem(label="業務", kind="multiple", choices="\n \n"), [NO_CHOICES]),
        (
            CompletionItem(label="回数", kind="number", min_value=Decimal(5), max_value=Decimal(1)),
            ["最小値は最大値以下にしてください。"],
        ),
        (CompletionItem(label="方法", kind="single", choices="委託\n直営"), []),
        (CompletionItem(label="備考", kind="text"), []),
    ],
)
def test_an_item_is_designed_as_a_survey_question(item, problems):
    """What the admin (a model's clean) refuses: the survey desk's design checks."""
    if not problems:
        item.clean()
        return
    with pytest.raises(ValidationError) as raised:
        item.clean()
    assert raised.value.messages == problems


def test_the_messages_are_english_in_english():
    with translation.override("en"):
        assert rules.answer_problem(PEOPLE, "たくさん") == "“受講者数”: Please enter a number."
        assert rules.answer_problem(PEOPLE, "") == (
            "To set the status to “Done”, fill in “受講者数”."
        )
        assert questions.display(Question("1", "x", "yes_no").spec, "no") == "No"
