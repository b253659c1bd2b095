"""Question kinds: validation, conditions and design checks as table tests (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pmo import questions as kinds
from pmo.questions import AnswerError, Condition, Kind, Spec
from surveys import rules

TEXT = Spec(Kind.SHORT_TEXT, label="名称")
LONG = Spec(Kind.LONG_TEXT)
PEOPLE = Spec(Kind.NUMBER, unit="人", min_value=Decimal(0), max_value=Decimal(100))
AT_LEAST = Spec(Kind.NUMBER, min_value=Decimal(1))
AT_MOST = Spec(Kind.NUMBER, max_value=Decimal(10), unit="件")
ANY_NUMBER = Spec(Kind.NUMBER)
DATE = Spec(Kind.DATE)
YES_NO = Spec(Kind.YES_NO)
SINGLE = Spec(Kind.SINGLE, choices=("委託", "直営"))
MULTIPLE = Spec(Kind.MULTIPLE, choices=("住基", "税", "福祉"))
TABLE = Spec(
    Kind.TABLE,
    columns=(
        Spec(Kind.SHORT_TEXT, label="システム名"),
        Spec(Kind.NUMBER, label="台数", min_value=Decimal(0)),
    ),
)


@pytest.mark.parametrize(
    ("spec", "raw", "stored"),
    [
        (TEXT, "  札幌市  ", "札幌市"),
        (TEXT, "", None),
        (TEXT, None, None),
        (LONG, "一行目\n二行目", "一行目\n二行目"),
        (PEOPLE, "12", "12"),
        (PEOPLE, "１２", "12"),  # full-width digits
        (PEOPLE, "1.10", "1.10"),  # as written, no float rounding
        (PEOPLE, "0", "0"),
        (PEOPLE, "100", "100"),
        (ANY_NUMBER, "1,234", "1234"),
        (ANY_NUMBER, "-5", "-5"),
        (ANY_NUMBER, " ", None),
        (DATE, "2015/07/09", "2015-07-09"),
        (DATE, "2015-7-9", "2015-07-09"),
        (DATE, "2015年7月9日", "2015-07-09"),
        (DATE, "２０１５／０７／０９", "2015-07-09"),
        (DATE, dt.date(2016, 1, 1), "2016-01-01"),
        (YES_NO, "yes", True),
        (YES_NO, "はい", True),
        (YES_NO, "いいえ", False),
        (YES_NO, "no", False),
        (YES_NO, "", None),
        (SINGLE, "直営", "直営"),
        (SINGLE, "", None),
        (MULTIPLE, ["福祉", "住基"], ["住基", "福祉"]),  # the offered order
        (MULTIPLE, "税", ["税"]),
        (MULTIPLE, [], None),
        (TABLE, [["住基", "2"], ["", ""], ["税", "0"]], [["住基", "2"], ["税", "0"]]),
        (TABLE, [["", ""]], None),
        (TABLE, [["住基"]], [["住基", None]]),  # a short row is padded
    ],
)
def test_clean_accepts(spec, raw, stored):
    assert kinds.clean(spec, raw) == stored


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        (TEXT, "あ" * 201, "200文字以内で入力してください。"),
        (PEOPLE, "abc", "数値で入力してください。"),
        (PEOPLE, "NaN", "数値で入力してください。"),
        (PEOPLE, "Infinity", "数値で入力してください。"),
        (PEOPLE, "101", "0人以上100人以下の数値を入力してください。"),
        (PEOPLE, "-1", "0人以上100人以下の数値を入力してください。"),
        (AT_LEAST, "0", "1以上の数値を入力してください。"),
        (AT_MOST, "11", "10件以下の数値を入力してください。"),
        (DATE, "2015/02/30", "日付は 2015/07/09 の形で、実在する日付を入力してください。"),
        (DATE, "来週", "日付は 2015/07/09 の形で、実在する日付を入力してください。"),
        (DATE, "20150709", "日付は 2015/07/09 の形で、実在する日付を入力してください。"),
        (YES_NO, "たぶん", "「はい」か「いいえ」を選んでください。"),
        (SINGLE, "外注", "選択肢の中から選んでください。"),
        (MULTIPLE, ["住基", "年金"], "選択肢にない回答です: 年金"),
        (TABLE, [["住基", "多数"]], "1行目「台数」: 数値で入力してください。"),
        (TABLE, [["a", "1"], ["b", "-1"]], "2行目「台数」: 0以上の数値を入力してください。"),
        (TABLE, [["a", "1"]] * 201, "行は200行までです。"),
    ],
)
def test_clean_refuses_with_a_japanese_message(spec, raw, message):
    with pytest.raises(AnswerError) as error:
        kinds.clean(spec, raw)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("spec", "value", "fails"),
    [
        (Spec(Kind.SHORT_TEXT, required=True), None, True),
        (Spec(Kind.SHORT_TEXT, required=True), "a", False),
        (Spec(Kind.MULTIPLE, required=True, choices=("a",)), [], True),
        (Spec(Kind.YES_NO, required=True), False, False),  # いいえ is an answer
        (Spec(Kind.NUMBER, required=True), "0", False),  # so is 0
        (Spec(Kind.TABLE, required=True), [["", None]], True),
        (Spec(Kind.SHORT_TEXT), None, False),
    ],
)
def test_check_required(spec, value, fails):
    if fails:
        with pytest.raises(AnswerError, match="この質問は回答が必須です。"):
            kinds.check_required(spec, value)
    else:
        kinds.check_required(spec, value)


@pytest.mark.parametrize(
    ("spec", "value", "expected", "holds"),
    [
        (YES_NO, True, "はい", True),
        (YES_NO, True, "yes", True),
        (YES_NO, False, "はい", False),
        (YES_NO, None, "はい", False),
        (YES_NO, True, "?", False),
        (SINGLE, "委託", "委託", True),
        (SINGLE, "直営", "委託", False),
        (MULTIPLE, ["住基", "税"], "税", True),
        (MULTIPLE, ["住基"], "税", False),
        (ANY_NUMBER, "3.0", "3", True),
        (ANY_NUMBER, "3", "x", False),
        (TEXT, "あり", "あり", True),
    ],
)
def test_condition_holds(spec, value, expected, holds):
    assert kinds.condition_holds(spec, value, expected) is holds


def test_hidden_questions_are_dropped_and_not_required():
    questions = [
        (1, Spec(Kind.YES_NO, required=True), None),
        (2, Spec(Kind.SHORT_TEXT, required=True), Condition(1, "はい")),
        (3, Spec(Kind.NUMBER, required=True), Condition(2, "委託")),  # chained on 2
    ]
    values, errors = kinds.clean_all(questions, {1: "いいえ", 2: "委託", 3: "x"}, submitting=True)
    assert values == {1: False}
    assert errors == {}
    values, errors = kinds.clean_all(questions, {1: "はい"}, submitting=True)
    assert values == {1: True, 2: None}
    assert errors == {2: "この質問は回答が必須です。"}


def test_drafts_may_be_incomplete_but_never_malformed():
    questions = [(1, Spec(Kind.NUMBER, required=True), None), (2, DATE, None)]
    assert kinds.clean_all(questions, {}, submitting=False) == ({1: None, 2: None}, {})
    _values, errors = kinds.clean_all(questions, {2: "2015/13/01"}, submitting=False)
    assert list(errors) == [2]


@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        (SINGLE, []),
        (Spec(Kind.SINGLE), ["選択肢を1つ以上、1行に1つずつ入力してください。"]),
        (Spec(Kind.MULTIPLE), ["選択肢を1つ以上、1行に1つずつ入力してください。"]),
        (
            Spec(Kind.NUMBER, min_value=Decimal(5), max_value=Decimal(1)),
            ["最小値は最大値以下にしてください。"],
        ),
        (Spec(Kind.TABLE), ["表の列を1つ以上定義してください。"]),
        (
            Spec(Kind.TABLE, columns=(Spec(Kind.TABLE, label="x", columns=(TEXT,)),)),
            ["表の列に表は使えません。"],
        ),
        (
            Spec(Kind.TABLE, columns=(Spec(Kind.SINGLE, label="方式"),)),
            ["方式: 選択肢を1つ以上、1行に1つずつ入力してください。"],
        ),
        (Spec("essay"), ["質問の種類を選んでください。"]),
    ],
)
def test_spec_errors(spec, errors):
    assert kinds.spec_errors(spec) == errors


@pytest.mark.parametrize(
    ("opens", "closes", "errors"),
    [
        (dt.date(2015, 7, 1), dt.date(2015, 7, 31), []),
        (dt.date(2015, 7, 1), dt.date(2015, 7, 1), []),
        (dt.date(2015, 7, 2), dt.date(2015, 7, 1), ["締切日は開始日以降の日付にしてください。"]),
    ],
)
def test_schedule_errors(opens, closes, errors):
    assert rules.schedule_errors(opens, closes) == errors


@pytest.mark.parametrize(
    ("today", "reopened", "answerable"),
    [
        (dt.date(2015, 6, 30), False, False),  # before opening
        (dt.date(2015, 6, 30), True, False),  # reopening does not open early
        (dt.date(2015, 7, 1), False, True),
        (dt.date(2015, 7, 31), False, True),  # the closing day itself
        (dt.date(2015, 8, 1), False, False),  # after closing
        (dt.date(2015, 8, 1), True, True),  # reopened by the issuer
    ],
)
def test_is_answerable(today, reopened, answerable):
    opens, closes = dt.date(2015, 7, 1), dt.date(2015, 7, 31)
    assert rules.is_answerable(today, opens, closes, reopened=reopened) is answerable


@pytest.mark.parametrize(
    ("text", "choices"),
    [("委託\n直営\n\n委託\n", ("委託", "直営")), ("", ()), ("  Ａ  ", ("A",))],
)
def test_parse_choices(text, choices):
    assert kinds.parse_choices(text) == choices


def test_number_stats_and_rate():
    assert rules.number_stats(["1", "2.5", None, "3"]) == {
        "count": 3,
        "sum": Decimal("6.5"),
        "mean": Decimal("6.5") / 3,
        "min": Decimal(1),
        "max": Decimal(3),
    }
    assert rules.number_stats([])["count"] == 0
    assert rules.response_rate(3, 4) == 0.75
    assert rules.response_rate(0, 0) == 0.0


@pytest.mark.parametrize(
    ("spec", "value", "shown"),
    [
        (YES_NO, True, "はい"),
        (YES_NO, False, "いいえ"),
        (YES_NO, "yes", "はい"),  # as completion items store it
        (YES_NO, "no", "いいえ"),  # (a truthy string: not はい)
        (YES_NO, "たぶん", "たぶん"),  # what its kind cannot read is shown as it is
        (DATE, "2015-07-09", "2015/07/09"),
        (MULTIPLE, ["住基", "税"], "住基、税"),
        (MULTIPLE, "住基", "住基"),
        (TABLE, [["a", "1"]], "1行"),
        (TEXT, None, ""),
    ],
)
def test_display(spec, value, shown):
    assert kinds.display(spec, value) == shown


WIDE = Spec(Kind.SINGLE, choices=("システム更改（全面）", "ＡＢＣ方式"))


@pytest.mark.parametrize(
    ("spec", "raw", "stored"),
    [
        # typed half-width, stored as the choice is written
        (WIDE, "システム更改(全面)", "システム更改（全面）"),
        (WIDE, "システム更改（全面）", "システム更改（全面）"),
        (WIDE, "ABC方式", "ＡＢＣ方式"),
        (
            Spec(Kind.MULTIPLE, choices=WIDE.choices),
            ["ABC方式", "システム更改(全面)"],
            ["システム更改（全面）", "ＡＢＣ方式"],
        ),
    ],
)
def test_a_choice_is_matched_on_its_normalised_text(spec, raw, stored):
    assert kinds.clean(spec, raw) == stored


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (PEOPLE, "0人以上100人以下の数値を入力してください。"),
        (AT_LEAST, "1以上の数値を入力してください。"),
        (AT_MOST, "10件以下の数値を入力してください。"),
        (ANY_NUMBER, ""),
    ],
)
def test_range_text(spec, text):
    assert kinds.range_text(spec) == text


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        (Decimal("100.0000"), Decimal("100")),
        (Decimal("0.5000"), Decimal("0.5")),
        (3, Decimal(3)),
        (None, None),
    ],
)
def test_normal_number(value, normal):
    result = kinds.normal_number(value)
    assert result == normal and str(result) == str(normal)
