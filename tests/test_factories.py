"""A factory for every model the tests build (STYLE.md: gates, not hopes).

Every test module is parsed with :mod:`ast`; each ``X.objects.create(…)``,
``X.objects.get_or_create(…)`` or ``X.objects.bulk_create(…)`` of a project model ``X`` needs a
factory for ``X`` in tests/factories/. A name bound in the file itself (a historical model of a
migration test, ``Item = apps.get_model(...)``) is not a project model's import and is left
out. Each factory must also make a row with nothing but its defaults.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import factory
import pytest
from django.apps import apps
from django.db.models import Model

from tests import factories

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
BUILDERS = {"create", "get_or_create", "bulk_create"}


def project_models() -> dict[str, type[Model]]:
    """Class name → model, for the project's own apps (not Django's, allauth's …)."""
    return {
        model.__name__: model
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT
        for model in config.get_models()
    }


def _bound_names(tree: ast.AST) -> set[str]:
    return {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def built_by_hand(source: str) -> Iterator[str]:
    """The names ``X`` of every ``X.objects.create(…)`` (or get_or_create, bulk_create) in
    ``source``, ``X`` a bare name or an attribute (``models.X``), not one bound in it."""
    tree = ast.parse(source)
    local = _bound_names(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        manager = node.func.value
        if node.func.attr not in BUILDERS or not isinstance(manager, ast.Attribute):
            continue
        if manager.attr != "objects":
            continue
        owner = manager.value
        if isinstance(owner, ast.Name) and owner.id not in local:
            yield owner.id
        elif isinstance(owner, ast.Attribute):
            yield owner.attr


def factory_classes() -> list[type[factory.django.DjangoModelFactory]]:
    return [
        value
        for value in vars(factories).values()
        if isinstance(value, type) and issubclass(value, factory.django.DjangoModelFactory)
    ]


def test_the_parser_finds_hand_built_models_and_skips_historical_ones():
    source = (
        "FollowUp.objects.create(cause='x')\n"
        "review_models.ReportJob.objects.create()\n"
        "Mail.objects.bulk_create([])\n"
        "Item = apps.get_model('actionplan', 'CompletionItem')\n"
        "Item.objects.create(label='x')\n"
        "PlanEntry.objects.filter(pk=1).update(status='done')\n"
    )
    assert sorted(built_by_hand(source)) == ["FollowUp", "Mail", "ReportJob"]


def test_every_model_the_tests_build_by_hand_has_a_factory():
    models = project_models()
    with_factory = {f._meta.get_model_class() for f in factory_classes()}
    missing = {}
    for path in sorted(TESTS.rglob("*.py")):
        for name in built_by_hand(path.read_text(encoding="utf-8")):
            if name in models and models[name] not in with_factory:
                missing.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert not missing, f"no factory in tests/factories/ for: {sorted(missing.items())}"


@pytest.mark.django_db
@pytest.mark.parametrize("model_factory", factory_classes(), ids=lambda f: f.__name__)
def test_each_factory_makes_a_row_from_its_defaults(model_factory):
    made = model_factory()
    assert type(made).objects.filter(pk=made.pk).exists()
