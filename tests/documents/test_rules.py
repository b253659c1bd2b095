from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from documents import rules
from orgs.models import MunicipalityClass

NOW = datetime(2015, 7, 9, 1, 47, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ﾃﾞｰﾀ標準ﾚｲｱｳﾄ", "でーた標準れいあうと"),
        ("ＰＤＦ　資料", "pdf 資料"),
        ("データ", "でーた"),
        ("  複数   空白 ", "複数 空白"),
        ("", ""),
    ],
)
def test_normalize(text, expected):
    assert rules.normalize(text) == expected


@pytest.mark.parametrize(
    ("published", "previous", "expected"),
    [
        (NOW - timedelta(hours=1), NOW - timedelta(days=1), True),
        (NOW - timedelta(days=2), NOW - timedelta(days=1), False),
        (NOW - timedelta(days=3), None, True),  # first login: the last 14 days
        (NOW - timedelta(days=15), None, False),
        (None, None, False),
    ],
)
def test_is_new(published, previous, expected):
    assert rules.is_new(published, previous, NOW) is expected


def test_parse_classes():
    labels = dict(MunicipalityClass.choices)
    assert rules.parse_classes("市、町・村", labels) == (["city", "town", "village"], [])
    assert rules.parse_classes("", labels) == (list(labels), [])
    assert rules.parse_classes("すべて", labels) == (list(labels), [])
    assert rules.parse_classes("政令指定都市,県", labels) == (["designated"], ["県"])
