"""No import cycle in the project's own code.

Every module of the project's packages (migrations and tests aside) is parsed with :mod:`ast`
and each ``import`` and ``from … import`` it holds becomes an edge — at the top of the module
and inside functions alike, because a function-level import that "breaks" a cycle only hides
it (STYLE.md: the function is in the wrong room). Imports under ``if TYPE_CHECKING:`` never
run and are left out. ``from faq import services`` is an edge to ``faq.services`` (a module);
``from faq.models import FAQ`` to ``faq.models``.

The test fails on any cycle, listing each one. (The last ones, inside ``review/``, all went
through ``review.notifications → review.tasks``: the digests are now handed to their task by
its name in Celery's registry.)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"tests", "migrations"}


def project_modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted name → file, for every package at the top of the tree (tests aside)."""
    found = {}
    for init in sorted(root.glob("*/__init__.py")):
        if init.parent.name in SKIP:
            continue
        for path in sorted(init.parent.rglob("*.py")):
            relative = path.relative_to(root).with_suffix("")
            if SKIP & set(relative.parts):
                continue
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            found[".".join(parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (they never run)."""
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", "")
            if name == "TYPE_CHECKING":
                hidden |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    return hidden


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The project modules that module ``name`` (at ``path``) imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    hidden = _type_checking_nodes(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in hidden:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _resolve(alias.name, modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield from _resolve(submodule if submodule in modules else base, modules)


def _resolve(dotted: str, modules: dict[str, Path]) -> Iterator[str]:
    """The project module ``dotted`` names, or its nearest project parent; nothing outside."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            yield candidate
            return
        parts.pop()


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {
        name: {target for target in imports_of(name, path, modules) if target != name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """Every elementary cycle, each rotated to start at its alphabetically first module.

    A depth-first walk from each module that only visits modules after it (alphabetically)
    finds each cycle once, from its first module; the project's graph is small."""
    found: set[tuple[str, ...]] = set()
    for start in sorted(graph):

        def walk(node: str, path: list[str], on_path: set[str], start: str = start) -> None:
            for target in sorted(graph.get(node, ())):
                if target == start:
                    found.add(tuple(path))
                elif target > start and target not in on_path:
                    on_path.add(target)
                    walk(target, [*path, target], on_path)
                    on_path.discard(target)

        walk(start, [start], {start})
    return found


def test_the_project_has_no_import_cycle():
    found = sorted(cycles(import_graph()))
    assert not found, "import cycles:\n" + "\n".join(" → ".join([*c, c[0]]) for c in found)


def test_the_graph_sees_function_level_and_relative_imports(tmp_path):
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "orders.py").write_text("def total():\n    from shop import prices\n")
    (package / "prices.py").write_text("from . import orders\n")
    (package / "tax.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from shop import orders\n"
    )
    graph = import_graph(tmp_path)
    assert graph["shop.orders"] == {"shop.prices"}
    assert graph["shop.prices"] == {"shop.orders"}
    assert graph["shop.tax"] == set()
    assert cycles(graph) == {("shop.orders", "shop.prices")}
