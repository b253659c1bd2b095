"""A model field's name as people read it (its ``verbose_name``), for change lists and trails."""

from __future__ import annotations

from django.db import models


def label(model: type[models.Model], name: str) -> str:
    """``model``'s field ``name`` as shown (a reverse relation: its model's name)."""
    found = model._meta.get_field(name)
    if isinstance(found, models.ForeignObjectRel):
        return str(found.related_model._meta.verbose_name)
    return str(found.verbose_name)
