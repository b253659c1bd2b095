"""A programme defined in a workbook: the seed as a template, loaded back, and bad sheets."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from actionplan import definition, seed
from actionplan.models import Milestone, Programme, Task


@pytest.mark.django_db
def test_seed_written_as_a_workbook_loads_back_as_a_new_programme(tmp_path):
    path = tmp_path / "programme.xlsx"
    call_command("load_programme", str(path), "--template")
    book = load_workbook(path)
    book["プログラム"]["B2"] = "標準化 2021"
    book.save(path)
    call_command("load_programme", str(path))
    programme = Programme.objects.get(name="標準化 2021")
    tasks = Task.objects.filter(work_item__programme=programme)
    assert tasks.count() == sum(len(item["tasks"]) for item in seed.DEFINITION["work_items"])
    b = programme.work_items.get(code="B")
    assert (
        b.applies_to == ["municipality"] and b.notes == "当該作業については、市区町村のみが対象。"
    )
    f = tasks.get(work_item__code="F")
    assert {t.name for t in f.depends_on.all()} == {"中間サーバーとの連携", "テスト"}
    k = tasks.get(work_item__code="K")
    assert Milestone.objects.filter(task=k).count() == 3
    assert tasks.get(name="住民票記載事項の追加").completion_items.count() == 2
    assert tasks.filter(per_system=True).count() == 3


@pytest.mark.django_db
def test_a_bad_definition_names_every_problem_and_loads_nothing(tmp_path):
    data = definition.workbook(seed.definition())
    book = load_workbook(io.BytesIO(data))
    book["タスク"]["G2"] = "Z:ない"
    book["マイルストーン"]["C2"] = "来年"
    path = tmp_path / "bad.xlsx"
    book.save(path)
    with pytest.raises(CommandError) as raised:
        call_command("load_programme", str(path))
    message = str(raised.value)
    assert "前提タスク「Z:ない」が見つかりません" in message
    assert "シート「マイルストーン」2行目: 日付を 2015/07/09 の形で入力してください。" in message
    assert not Programme.objects.exists()


def test_a_non_workbook_is_refused(tmp_path):
    path = tmp_path / "programme.csv"
    path.write_text("a,b")
    with pytest.raises(CommandError, match="Excelブック"):
        call_command("load_programme", str(path))
