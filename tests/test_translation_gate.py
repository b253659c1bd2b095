"""The translation gate: no Japanese reaches the screen unmarked.

Every string literal in project Python code that contains Japanese must be the message of a
gettext-family call (``gettext``, ``gettext_lazy``, ``_``, ``pgettext*``, ``ngettext*``), and
every piece of Japanese in a template must sit inside ``{% translate %}`` or
``{% blocktranslate %}``. Otherwise the English UI shows Japanese and ``makemessages`` never
sees the string, so the catalogue test (tests/test_translations.py) cannot catch it either.

What is not a user-visible message is allowed, and each exception is listed here with its reason:

- docstrings and comments (comments are not literals; docstrings are found by position);
- log messages for operators (the arguments of ``logger.info(...)`` and friends): operators read
  the logs in Japanese and a translated log line is harder to grep;
- management commands (``*/management/commands/``): help and output for operators at a shell,
  like log messages;
- audit rows (the arguments of ``audit.record(...)``, and of the helpers in AUDIT_HELPERS that
  hand their arguments to it): a stored record for operators and auditors, written once in one
  language, like a log line;
- regular expressions (the arguments of ``re.compile``, ``re.sub``, ...);
- the module-level constants in DATA_CONSTANTS: sheet names and column headers that a file
  or another system reads back (upload templates, open data), the same in every language;
- the files in DATA_FILES: data, not messages (seed definitions, demo data, JIS reference data,
  the Japanese normalisation tables) — they are stored or compared, never shown as UI wording.

Literals not yet marked are counted per file in translation_gate_pending.json: the gate fails when
a file gains one (a new unmarked literal) and when it loses one without the count being lowered
(so the list only shrinks). Remove a file from it once it is clean.

"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

BASE = Path(settings.BASE_DIR)

JAPANESE = re.compile("[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")

# Not project code (.venv, var), not shipped (tests, bench), generated (migrations), or being
# written elsewhere right now (surveys: the new app's branch; include it once it is merged).
SKIP_DIRS = {".venv", "venv", "var", "migrations", "tests", "bench", "node_modules", ".git"}

# Data, not messages. Each entry says why.
DATA_FILES = {
    # Japanese text normalisation: character tables and patterns compared with input.
    "faq/normalize.py": "normalisation tables and patterns",
    # Seed definitions: the FAQ, the plan's work items and the document kinds as stored rows.
    "faq/seed.py": "seed data (FAQ entries as stored in the database)",
    "actionplan/seed.py": "seed data (the plan definition as stored in the database)",
    "documents/seed.py": "seed data (document kinds as stored in the database)",
    # Demo data: made-up organisations, people, plans and answers for the demo database.
    "accounts/demo.py": "demo data",
    "actionplan/demo.py": "demo data",
    "documents/demo.py": "demo data",
    "faq/demo.py": "demo data",
    "review/demo.py": "demo data",
    "surveys/demo.py": "demo data",
    # The Japanese calendar: era names and the 和暦 date form are Japanese by definition.
    "pmo/wareki.py": "era names (和暦 is shown only where a Japanese date is wanted)",
    # JIS X 0401/0402 reference data: prefecture and municipality names.
    "orgs/jis.py": "JIS reference data",
}

# Data literals in code: module-level constants whose strings are a contract with a file or
# another system, so they must read the same in every language. Each entry says why.
DATA_CONSTANTS = {
    # Upload templates: the portal writes these sheet names and headers and reads them back.
    "actionplan/excel.py": {
        "SHEET": "plan workbook sheet",
        "COLUMNS": "plan workbook headers",
        "ERROR_SHEET": "error list sheet, looked up (and replaced) when a marked file comes back",
    },
    "actionplan/definition.py": {
        "SHEETS": "plan definition workbook: sheet names and headers read on import",
        "YES": "accepted spellings of yes in a cell",
        "OLD_QUESTION_KINDS": "kind names of an older definition template, read on import",
        "PROGRAMME_ROWS": "row names of the definition's プログラム sheet, read on import",
        "YES_NO": "yes and no as the definition workbook writes them (YES reads them)",
        "SEPARATOR": "the list separator the definition workbook writes in a cell",
    },
    "actionplan/excel_items.py": {
        "TITLE": "completion item column titles, recorded in _meta and compared on upload",
        "SHARED_TITLE": "the same titles when two tasks share a label",
        "YES_NO_LIST": "the yes/no drop-down: cell values the upload reads",
    },
    "accounts/sheets.py": {
        "COLUMNS": "bulk account template headers read on import",
        "YES": "accepted spellings of yes in a cell",
    },
    "documents/sheets.py": {
        "PROCEDURE_SHEET": "sheet name of the ministry's 別表第1 workbook",
        "LINKAGE_SHEET": "sheet name of the ministry's 別表第2 workbook",
        "PROCEDURE_COLUMNS": "headers of the ministry's 別表第1 workbook",
        "LINKAGE_COLUMNS": "headers of the ministry's 別表第2 workbook",
    },
    "documents/rules.py": {
        "ALL_CLASSES_WORDS": "the words typed for every class, compared with input",
        "SEPARATORS": "the separators accepted between typed words (、 ， as people type them)",
        "CLASS_SEPARATORS": "the separators accepted between typed class names",
    },
    "faq/exports.py": {
        "COLUMNS": "FAQ workbook headers (the import reads them back)",
        "PUBLISHED_VALUES": "the 公開 column's はい/いいえ (the import reads them back)",
    },
    "pmo/questions.py": {
        "YES_WORDS": "accepted spellings of yes in a cell or an answer",
        "NO_WORDS": "accepted spellings of no in a cell or an answer",
        "MULTIPLE_SEPARATOR": "how a multiple choice is written in a cell that is read back",
    },
    "surveys/forms.py": {
        "OLD_KIND_NAMES": "kind names typed in a table question's columns, read by the form",
        "DEFAULT_KIND_NAME": "the kind of a typed column that names none",
        "CHOICE_SEPARATOR": "the choices' separator in the typed columns, read back by the form",
    },
    "documents/catalogue_views.py": {
        "LAYOUT_CATEGORY": "a seeded category's stored name, compared"
    },
    "faq/imports.py": {"REQUIRED_HEADERS": "FAQ workbook headers the import requires"},
    "faq/inquiries.py": {
        "IDEOGRAPHIC_SPACE": "the full-width space removed from a name when matching it",
        "REDACTED": "what replaces the asker's name in a published FAQ's stored text",
    },
    "orgs/loader.py": {
        "WARD_SUFFIX": "the last character of a special ward's name, compared with the data",
        "CLASS_SUFFIXES": "the last characters of city, town and village names in the data",
    },
    # Open data: national.csv's column names are what other systems read.
    "review/open_data.py": {"CSV_HEADERS": "open data column names"},
}

# Functions that only pass their arguments on to ``audit.record``, by file: their arguments are
# audit rows too. Each entry says why.
AUDIT_HELPERS = {
    "documents/services.py": {"_record": "a document's audit row (audit.record)"},
    "faq/services.py": {"record_change": "a person's FAQ change in the trail (audit.record)"},
    "faq/imports.py": {"record_change": "faq.services.record_change: the import's audit row"},
    "faq/inquiries.py": {"record_change": "faq.services.record_change: an inquiry's audit row"},
    "surveys/services.py": {"record_survey": "a survey's audit row (audit.record)"},
    "surveys/answering.py": {
        "record_survey": "surveys.services.record_survey: a survey's audit row",
        "_response_event": "a response's audit row (audit.record)",
    },
}

# The message arguments (by position) of each gettext-family function.
GETTEXT_ARGS = {
    "gettext": (0,),
    "gettext_lazy": (0,),
    "gettext_noop": (0,),
    "_": (0,),
    "pgettext": (1,),
    "pgettext_lazy": (1,),
    "ngettext": (0, 1),
    "ngettext_lazy": (0, 1),
    "npgettext": (1, 2),
    "npgettext_lazy": (1, 2),
}
LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
LOGGER_NAMES = {"logger", "log", "logging", "_logger", "_log"}
REGEX_FUNCS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall"}


def _project_files(suffix: str) -> Iterator[Path]:
    for path in sorted(BASE.rglob(f"*{suffix}")):
        parts = path.relative_to(BASE).parts
        if not any(part in SKIP_DIRS or part.startswith(".") for part in parts[:-1]):
            yield path


def _call_name(node: ast.Call) -> tuple[str | None, str | None]:
    """(receiver, name) of a call: ``logger.info`` → ("logger", "info"), ``_`` → (None, "_")."""
    func = node.func
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        receiver = func.value.id if isinstance(func.value, ast.Name) else None
        return receiver, func.attr
    return None, None


def _data_constants(tree: ast.Module, names: dict[str, str]) -> Iterator[ast.AST]:
    """The values of the module-level constants in ``names``."""
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        if any(isinstance(t, ast.Name) and t.id in names for t in targets) and statement.value:
            yield statement.value


def _allowed_nodes(
    tree: ast.Module,
    data: dict[str, str] | None = None,
    audit_helpers: dict[str, str] | None = None,
) -> set[int]:
    """ids of the literal nodes that may hold Japanese: messages, docstrings, logs, patterns."""
    allowed: set[int] = set()
    for value in _data_constants(tree, data or {}):
        allowed.update(id(sub) for sub in ast.walk(value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allowed.add(id(body[0].value))
        if not isinstance(node, ast.Call):
            continue
        receiver, name = _call_name(node)
        if name in GETTEXT_ARGS:
            for index in GETTEXT_ARGS[name]:
                if index < len(node.args) and isinstance(node.args[index], ast.Constant):
                    allowed.add(id(node.args[index]))
        elif (
            (receiver in LOGGER_NAMES and name in LOG_METHODS)
            or (receiver == "re" and name in REGEX_FUNCS)
            or (receiver == "audit" and name == "record")
            or name in (audit_helpers or {})
        ):
            for arg in [*node.args, *(keyword.value for keyword in node.keywords)]:
                allowed.update(id(sub) for sub in ast.walk(arg))
    return allowed


def python_offenders() -> list[str]:
    found = []
    for path in _project_files(".py"):
        relative = path.relative_to(BASE).as_posix()
        if relative in DATA_FILES or "/management/commands/" in relative:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        allowed = _allowed_nodes(tree, DATA_CONSTANTS.get(relative), AUDIT_HELPERS.get(relative))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and JAPANESE.search(node.value)
                and id(node) not in allowed
            ):
                found.append(f"{relative}:{node.lineno}: {node.value[:60]!r}")
    return found


# Japanese that is right in every language, by template. Each entry says why.
TEMPLATE_ALLOWED = {
    # The language switcher names each language in that language.
    "templates/base.html": ("日本語",),
}

# Template tags whose content is translated or not shown.
_OPENERS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
_OPENERS |= {"comment": "endcomment"}
_TRANSLATE = {"translate", "trans"}
# _("…") inside a tag or a variable is Django's own marked literal.
_MARKED = re.compile(r"""_\((?:"[^"]*"|'[^']*')\)""")


def template_offenders() -> list[str]:
    found = []
    for path in _project_files(".html"):
        relative = path.relative_to(BASE).as_posix()
        closing = None
        for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
            if token.token_type == TokenType.BLOCK:
                tag = token.contents.split()[0] if token.contents.split() else ""
                if closing:
                    if tag == closing:
                        closing = None
                    continue
                if tag in _OPENERS:
                    closing = _OPENERS[tag]
                    continue
                if tag in _TRANSLATE:
                    continue
            elif closing or token.token_type == TokenType.COMMENT:
                continue
            text = _MARKED.sub("", token.contents)
            for allowed in TEMPLATE_ALLOWED.get(relative, ()):
                text = text.replace(allowed, "")
            if JAPANESE.search(text):
                found.append(f"{relative}:{token.lineno}: {text.strip()[:60]!r}")
    return found


PENDING = json.loads((Path(__file__).parent / "translation_gate_pending.json").read_text())


def _judge(offenders: list[str], suffix: str) -> list[str]:
    """What is wrong against the pending counts: new offenders, and counts left too high."""
    counts = Counter(line.split(":", 1)[0] for line in offenders)
    problems = [
        line
        for line in offenders
        if counts[line.split(":", 1)[0]] > PENDING.get(line.split(":", 1)[0], 0)
    ]
    problems += [
        f"{name}: {pending} pending but {counts[name]} found, lower it in "
        "translation_gate_pending.json"
        for name, pending in PENDING.items()
        if name.endswith(suffix) and counts[name] < pending
    ]
    return problems


def test_every_japanese_literal_in_python_is_marked_for_translation():
    problems = _judge(python_offenders(), ".py")
    assert not problems, "unmarked Japanese in Python code:\n" + "\n".join(problems)


def test_every_japanese_text_in_templates_is_marked_for_translation():
    problems = _judge(template_offenders(), ".html")
    assert not problems, "unmarked Japanese in templates:\n" + "\n".join(problems)


def test_the_gate_sees_an_unmarked_literal_and_passes_a_marked_one():
    tree = ast.parse(
        "from django.utils.translation import gettext as _\n"
        'A = _("保存しました。")\nB = "保存しました。"\nlogger.info("起動")\n'
        'C = _(f"{x}件")\n'
    )
    allowed = _allowed_nodes(tree)
    flagged = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and JAPANESE.search(node.value)
        and id(node) not in allowed
    ]
    assert flagged == [3, 5]


def test_every_data_file_and_constant_exists():
    assert [name for name in DATA_FILES if not (BASE / name).exists()] == []
    for name, constants in DATA_CONSTANTS.items():
        tree = ast.parse((BASE / name).read_text(encoding="utf-8"))
        assert len(list(_data_constants(tree, constants))) == len(constants), name


def test_an_audit_helper_passes_its_arguments_and_nothing_else():
    tree = ast.parse(
        'record_change(r, by, faq, detail="FAQ を作成しました")\nmessage = "保存しました。"\n'
    )
    allowed = _allowed_nodes(tree, audit_helpers={"record_change": "test"})
    flagged = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and JAPANESE.search(node.value)
        and id(node) not in allowed
    ]
    assert flagged == [2]
    assert len(_allowed_nodes(tree)) < len(allowed)  # without the helper, the row is flagged
