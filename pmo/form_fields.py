"""A form's own copy of a field, typed as the field it is.

``form.fields`` maps names to plain ``Field`` for the type checker; a form that sets a
choice field's ``queryset`` or ``choices`` in ``__init__`` reads the field through these."""

from __future__ import annotations

from typing import Any, cast

from django import forms


def model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])


def choice(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])
