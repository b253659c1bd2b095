"""A programme defined in an .xlsx workbook (``manage.py load_programme <file.xlsx>``).

An administrator can define a new programme (say a later system-standardisation programme)
without code: five sheets, one row per thing. :func:`workbook` writes any definition (the seed
one included) in the same shape, so the seed doubles as the template.

- プログラム: 項目 | 値 (名称, 開始日, 終了日, 計画入力期限, 大幅遅延日数)
- 作業項目: 記号 | 作業項目 | 対応事項 | 特記事項 | 対象団体種別 | 担当府省コード
- タスク: 作業項目 | タスク | 重み | 対象システムごと | 調達が必要 | 対象団体種別 | 前提タスク
- マイルストーン: 作業項目 | タスク | 期限 | 団体種別 | 市区町村の区分
- 完了項目: 作業項目 | タスク | 項目 | 種類 | 必須 | 選択肢 | 単位 | 最小値 | 最大値 (種類は
  :mod:`pmo.questions` の種類（表を除く）: 名称か値。以前の「選択」「文章」も読む)

Lists are separated by commas or new lines; 前提タスク are written ``B:タスク名``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, override, pgettext
from openpyxl import Workbook

from actionplan import excel, rules
from actionplan.models import CompletionItem
from orgs.models import MunicipalityClass, OrganizationKind
from pmo import questions, xlsx
from pmo.questions import AnswerError, Kind

SHEETS = {
    "プログラム": ("項目", "値"),
    "作業項目": ("記号", "作業項目", "対応事項", "特記事項", "対象団体種別", "担当府省コード"),
    "タスク": (
        "作業項目",
        "タスク",
        "重み",
        "対象システムごと",
        "調達が必要",
        "対象団体種別",
        "前提タスク",
    ),
    "マイルストーン": ("作業項目", "タスク", "期限", "団体種別", "市区町村の区分"),
    "完了項目": (
        "作業項目",
        "タスク",
        "項目",
        "種類",
        "必須",
        "選択肢",
        "単位",
        "最小値",
        "最大値",
    ),
}
PROGRAMME, WORK_ITEMS, TASKS, MILESTONES, COMPLETION_ITEMS = SHEETS
# The rows of the プログラム sheet: 項目 (this name) | 値.
PROGRAMME_ROWS = {
    "name": "名称",
    "starts_on": "開始日",
    "ends_on": "終了日",
    "plan_deadline": "計画入力期限",
    "significant_delay_days": "大幅遅延日数",
}
# What the workbook writes for yes and no (YES reads more spellings).
YES_NO = {True: "はい", False: "いいえ"}
# How the workbook separates the kinds in a cell (the import also reads commas and new lines).
SEPARATOR = "、"
# The workbook names kinds and classes in Japanese whatever the language of the request.
with override("ja"):
    KINDS = {str(label): value for value, label in OrganizationKind.choices}
    CLASSES = {str(label): value for value, label in MunicipalityClass.choices}
    QUESTION_KINDS = {str(label): value for value, label in CompletionItem.KINDS}
# Kind names of an older template (before completion items took the survey desk's kinds).
OLD_QUESTION_KINDS = {"選択": Kind.SINGLE, "文章": Kind.LONG_TEXT, "記述": Kind.SHORT_TEXT}
YES = {"はい", "yes", "true", "1", "○", "◯"}


class DefinitionError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _list(value: Any) -> list[str]:
    return [part.strip() for part in re.split(r"[,、\n]", str(value or "")) if part.strip()]


def _bool(value: Any, default: bool) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in YES


def _code(value: Any, table: Mapping[str, str], problems: list[str], where: str) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    if text in table.values():
        return text
    if text in table:
        return table[text]
    problems.append(
        gettext("%(where)s: 「%(text)s」は使えません（%(choices)s）。")
        % {"where": where, "text": text, "choices": pgettext("list separator", "・").join(table)}
    )
    return ""


def _date(value: Any, problems: list[str], where: str) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.datetime.strptime(str(value).strip(), "%Y/%m/%d").date()
    except ValueError:
        problems.append(
            gettext("%(where)s: 日付を 2015/07/09 の形で入力してください。") % {"where": where}
        )
        return None


def read(data: bytes, filename: str = "programme.xlsx") -> dict[str, Any]:
    """The definition in a workbook, or :class:`DefinitionError` listing every problem."""
    book = xlsx.read(data, filename)
    problems: list[str] = []
    try:
        missing = [name for name in SHEETS if name not in book.sheetnames]
        if missing:
            raise DefinitionError(
                [gettext("シート「%(name)s」がありません。") % {"name": name} for name in missing]
            )
        rows = {
            name: [
                (number, row)
                for number, row in enumerate(
                    xlsx.rows(book[name], min_row=2, values_only=True), start=2
                )
                if any(cell not in (None, "") for cell in row)
            ]
            for name in SHEETS
        }
    finally:
        book.close()
    definition = _programme(rows[PROGRAMME], problems)
    items = _work_items(rows[WORK_ITEMS], problems)
    tasks = _tasks(rows[TASKS], items, problems)
    _milestones(rows[MILESTONES], tasks, problems)
    _questions(rows[COMPLETION_ITEMS], tasks, problems)
    if problems:
        raise DefinitionError(problems)
    definition["work_items"] = list(items.values())
    return definition


def _where(sheet: str, number: int) -> str:
    return gettext("シート「%(sheet)s」%(row)s行目") % {"sheet": sheet, "row": number}


def _programme(rows, problems: list[str]) -> dict[str, Any]:
    values = {str(row[0]).strip(): row[1] for _, row in rows if row and row[0]}
    where = gettext("シート「%(sheet)s」") % {"sheet": PROGRAMME}
    definition: dict[str, Any] = {"name": str(values.get(PROGRAMME_ROWS["name"]) or "").strip()}
    if not definition["name"]:
        problems.append(gettext("%(where)s: 名称を入力してください。") % {"where": where})
    for key in ("starts_on", "ends_on", "plan_deadline"):
        label = PROGRAMME_ROWS[key]
        definition[key] = _date(values.get(label), problems, f"{where} {label}")
    delay = PROGRAMME_ROWS["significant_delay_days"]
    try:
        definition["significant_delay_days"] = int(values.get(delay) or 30)
    except (TypeError, ValueError):
        problems.append(
            gettext("%(where)s %(label)s: 整数で入力してください。")
            % {"where": where, "label": delay}
        )
    return definition


def _work_items(rows, problems: list[str]) -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for number, row in rows:
        code, name, response, notes, kinds, bureaus = (list(row) + [None] * 6)[:6]
        where = _where(WORK_ITEMS, number)
        code = str(code or "").strip()
        if not code or not name:
            problems.append(
                gettext("%(where)s: 記号と作業項目を入力してください。") % {"where": where}
            )
            continue
        items[code] = {
            "code": code,
            "name": str(name).strip(),
            "response": str(response or ""),
            "notes": str(notes or ""),
            "applies_to": [_code(k, KINDS, problems, where) for k in _list(kinds)],
            "bureaus": _list(bureaus),
            "tasks": [],
        }
    return items


def _tasks(rows, items, problems: list[str]) -> dict[str, dict[str, Any]]:
    tasks: dict[str, dict[str, Any]] = {}
    for number, row in rows:
        code, name, weight, per_system, procurement, kinds, depends = (list(row) + [None] * 7)[:7]
        where = _where(TASKS, number)
        code, name = str(code or "").strip(), str(name or "").strip()
        if code not in items or not name:
            problems.append(
                gettext(
                    "%(where)s: 作業項目の記号（作業項目シートにあるもの）と"
                    "タスクを入力してください。"
                )
                % {"where": where}
            )
            continue
        try:
            weight = float(weight) if weight not in (None, "") else 1
        except (TypeError, ValueError):
            problems.append(gettext("%(where)s: 重みは数値で入力してください。") % {"where": where})
            weight = 1
        task = {
            "name": name,
            "weight": weight,
            "per_system": _bool(per_system, False),
            "needs_procurement": _bool(procurement, True),
            "applies_to": [_code(k, KINDS, problems, where) for k in _list(kinds)],
            "depends_on": _list(depends),
            "milestones": [],
            "completion_items": [],
        }
        items[code]["tasks"].append(task)
        tasks[f"{code}:{name}"] = task
    for key, task in tasks.items():
        for dependency in task["depends_on"]:
            if dependency not in tasks:
                problems.append(
                    gettext("タスク「%(task)s」の前提タスク「%(dependency)s」が見つかりません。")
                    % {"task": key, "dependency": dependency}
                )
    return tasks


def _milestones(rows, tasks, problems: list[str]) -> None:
    for number, row in rows:
        code, name, due, kind, klass = (list(row) + [None] * 5)[:5]
        where = _where(MILESTONES, number)
        task = tasks.get(f"{str(code or '').strip()}:{str(name or '').strip()}")
        if task is None:
            problems.append(gettext("%(where)s: タスクが見つかりません。") % {"where": where})
            continue
        task["milestones"].append(
            {
                "due_on": _date(due, problems, where),
                "kind": _code(kind, KINDS, problems, where),
                "class": _code(klass, CLASSES, problems, where),
            }
        )


def _questions(rows, tasks, problems: list[str]) -> None:
    for number, row in rows:
        code, name, label, kind, required, choices, unit, low, high = (list(row) + [None] * 9)[:9]
        where = _where(COMPLETION_ITEMS, number)
        task = tasks.get(f"{str(code or '').strip()}:{str(name or '').strip()}")
        if task is None or not label:
            problems.append(
                gettext("%(where)s: タスクと項目を入力してください。") % {"where": where}
            )
            continue
        read = rules.Question(
            key="",
            label=str(label).strip(),
            kind=_question_kind(kind, problems, where),
            required=_bool(required, True),
            choices=tuple(_list(choices)),
            unit=str(unit or "").strip(),
            min_value=_number(low, problems, where),
            max_value=_number(high, problems, where),
        )
        # The checks of the survey desk's designer (choices for a choice, min ≤ max).
        problems.extend(f"{where}: {message}" for message in questions.spec_errors(read.spec))
        question = dataclasses.asdict(read)
        del question["key"]
        task["completion_items"].append(question | {"choices": list(read.choices)})


def _question_kind(value: Any, problems: list[str], where: str) -> str:
    text = str(value or "").strip()
    text = rules.kind_of(OLD_QUESTION_KINDS.get(text, text))
    return _code(text, QUESTION_KINDS, problems, where) or Kind.LONG_TEXT


def _number(value: Any, problems: list[str], where: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return questions.parse_number(value)
    except AnswerError as error:
        problems.append(f"{where}: {error}")
        return None


def workbook(definition: Mapping[str, Any]) -> bytes:
    """A definition as a workbook in the shape :func:`read` takes."""
    book = Workbook()
    book.remove(book.worksheets[0])
    sheets = {name: book.create_sheet(name) for name in SHEETS}
    for name, headers in SHEETS.items():
        sheets[name].append(headers)
    label = {value: text for text, value in KINDS.items()}
    programme = sheets[PROGRAMME]
    for key in ("name", "starts_on", "ends_on", "plan_deadline"):
        programme.append([PROGRAMME_ROWS[key], definition[key]])
    programme.append(
        [PROGRAMME_ROWS["significant_delay_days"], definition.get("significant_delay_days", 30)]
    )
    for item in definition["work_items"]:
        kinds = SEPARATOR.join(label[k] for k in item.get("applies_to", []))
        sheets[WORK_ITEMS].append(
            [
                item["code"],
                item["name"],
                item.get("response", ""),
                item.get("notes", ""),
                kinds,
                ", ".join(item.get("bureaus", [])),
            ]
        )
        for task in item.get("tasks", []):
            sheets[TASKS].append(
                [
                    item["code"],
                    task["name"],
                    float(task.get("weight", 1)),
                    YES_NO[bool(task.get("per_system"))],
                    YES_NO[bool(task.get("needs_procurement", True))],
                    SEPARATOR.join(label[k] for k in task.get("applies_to", [])),
                    ", ".join(task.get("depends_on", [])),
                ]
            )
            for milestone in task.get("milestones", []):
                sheets[MILESTONES].append(
                    [
                        item["code"],
                        task["name"],
                        milestone["due_on"],
                        milestone.get("kind", ""),
                        milestone.get("class", ""),
                    ]
                )
            for question in task.get("completion_items", []):
                sheets[COMPLETION_ITEMS].append(
                    [
                        item["code"],
                        task["name"],
                        question["label"],
                        rules.kind_of(question.get("kind", Kind.LONG_TEXT)),
                        YES_NO[bool(question.get("required", True))],
                        "\n".join(question.get("choices", [])),
                        question.get("unit", ""),
                        _cell_number(question.get("min_value")),
                        _cell_number(question.get("max_value")),
                    ]
                )
    for sheet in sheets.values():
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = excel.escape(cell.value)
                    cell.data_type = "s"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy/mm/dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_number(value: Decimal | None) -> int | float | None:
    """A range limit as a number cell (a Decimal is no cell value)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
