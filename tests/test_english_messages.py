"""Messages that used to be bare Japanese literals come out in English when English is chosen,
and stay Japanese otherwise (the translation gate, tests/test_translation_gate.py, keeps them
marked; this proves the marking reaches the reader)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from actionplan import rules
from pmo.invalid import Invalid
from review import workflow

DAY = dt.date(2015, 7, 9)
CONTEXT = rules.Context(today=DAY, span_start=dt.date(2015, 4, 1), span_end=dt.date(2016, 3, 31))


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ja", "状況を選んでください。"), ("en", "Please choose a status.")],
)
def test_a_plan_validation_error_is_in_the_readers_language(language, expected):
    with translation.override(language):
        errors = rules.validate(rules.EntryValues(status="?"), CONTEXT)
    assert errors["status"] == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "適切か要修正かを選んでください。"),
        ("en", "Please choose Appropriate or Needs revision."),
    ],
)
def test_a_review_message_is_in_the_readers_language(language, expected):
    with translation.override(language), pytest.raises(Invalid) as refused:
        workflow.review_check(None, None, "maybe")
    assert refused.value.errors == {"verdict": expected}


def test_a_review_note_refusal_is_in_english():
    with translation.override("en"), pytest.raises(Invalid) as refused:
        workflow.add_note(None, None, "  ", organization_side=True)
    assert refused.value.errors == {"body": "Please enter the details."}


@pytest.mark.parametrize(
    ("state", "ja", "en"),
    [("active", "利用中", "Active"), ("stopped", "停止中", "Suspended")],
)
def test_the_account_state_badge_is_in_the_readers_language(state, ja, en):
    def badge(language: str) -> str:
        with translation.override(language):
            return render_to_string("accounts/manage/_state.html", {"state": state})

    assert ja in badge("ja") and ja not in badge("en")
    assert en in badge("en")


def test_a_blank_value_in_the_plan_history_is_in_english():
    change = {"fields": [("計画開始", None, "2015/07/09")]}
    with translation.override("en"):
        page = render_to_string("actionplan/_history.html", {"changes": [change]})
    assert "(blank)" in page and "（空欄）" not in page


def test_a_parenthesised_name_uses_the_readers_punctuation_and_is_escaped():
    from pmo.templatetags.pmo_text import parenthesized

    assert parenthesized("<b>") == "（&lt;b&gt;）"
    with translation.override("en"):
        assert parenthesized("札幌市") == " (札幌市)"
