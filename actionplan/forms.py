"""Forms of the plan page. Types and formats are checked here; the plan's rules in
:mod:`actionplan.rules` (through :func:`actionplan.services.save_entry`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from actionplan.models import CompletionItem, Status

DATE_INPUTS = ["%Y-%m-%d", "%Y/%m/%d", "%Y/%m/%e"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def format_value(self, value: Any) -> str | None:
        # A typed 2015/09/30 sent back as it came would leave the picker blank (it reads ISO).
        if isinstance(value, str):
            for pattern in DATE_INPUTS:
                try:
                    return datetime.strptime(value.strip(), pattern).date().isoformat()
                except ValueError:
                    continue
        return super().format_value(value)


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_INPUTS,
        widget=DateInput(),
        error_messages={"invalid": _("日付を 2015/07/09 の形で入力してください。")},
    )


class EntryForm(forms.Form):
    planned_start = _date(_("計画開始"))
    planned_end = _date(_("計画終了"))
    actual_start = _date(_("実績開始"))
    actual_end = _date(_("実績終了"))
    status = forms.ChoiceField(label=_("状況"), choices=Status.choices)
    not_applicable_reason = forms.CharField(
        label=_("対象外の理由"), required=False, max_length=2000
    )
    progress = forms.IntegerField(
        label=_("進捗率（%）"),
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": _("進捗率は0から100の整数で入力してください。"),
            "min_value": _("進捗率は0から100の整数で入力してください。"),
            "max_value": _("進捗率は0から100の整数で入力してください。"),
            "required": _("進捗率を入力してください。"),
        },
    )
    remarks = forms.CharField(
        label=_("備考"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: list[CompletionItem] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for item in self.questions:
            self.fields[f"c_{item.pk}"] = _question_field(item)
            self.fields[f"c_{item.pk}"].is_required_item = item.required
        # Keyboard users land in the first field when the row turns into a form.
        self.fields["planned_start"].widget.attrs["autofocus"] = True
        for name, bound in self.fields.items():
            if isinstance(bound.widget, forms.Textarea) or name == "not_applicable_reason":
                bound.widget.attrs.setdefault("maxlength", 2000)

    def flag_errors(self) -> None:
        """Tie each message to its field for screen readers (aria-invalid, aria-describedby),
        and send focus to the first field in error (in the order shown) instead of the first
        field: that is where the person has to act (static/js/form-errors.js announces it)."""
        in_error = [
            name
            for name, field in self.fields.items()
            if name in self.errors and not field.widget.is_hidden
        ]
        for name in in_error:
            self.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
            )
        if in_error:
            self.fields["planned_start"].widget.attrs.pop("autofocus", None)
            self.fields[in_error[0]].widget.attrs["autofocus"] = True

    def errors_in_fields(self) -> list[tuple[forms.BoundField, str]]:
        """Each visible field's messages in the order shown, for the summary above the form."""
        return [
            (self[name], error)
            for name, field in self.fields.items()
            if not field.widget.is_hidden
            for error in self.errors.get(name, [])
        ]

    def completion_fields(self) -> list[forms.BoundField]:
        return [self[f"c_{item.pk}"] for item in self.questions]

    def entry_data(self) -> dict[str, Any]:
        """The cleaned values in the shape :func:`services.save_entry` takes."""
        data = {name: self.cleaned_data[name] for name in self.base_fields if name != "version"}
        completion = {}
        for item in self.questions:
            value = self.cleaned_data.get(f"c_{item.pk}")
            if value not in (None, ""):
                completion[str(item.pk)] = (
                    value.isoformat()
                    if hasattr(value, "isoformat")
                    else (str(value) if item.kind == CompletionItem.Kind.NUMBER else value)
                )
        data["completion"] = completion
        return data


def _question_field(item: CompletionItem) -> forms.Field:
    label = item.label
    Kind = CompletionItem.Kind
    if item.kind == Kind.DATE:
        return _date(label)
    if item.kind == Kind.NUMBER:
        return forms.DecimalField(
            label=label,
            required=False,
            error_messages={"invalid": _("数値で入力してください。")},
        )
    if item.kind == Kind.YES_NO:
        choices = [("", "—"), ("yes", _("はい")), ("no", _("いいえ"))]
        return forms.ChoiceField(label=label, required=False, choices=choices)
    if item.kind == Kind.CHOICE:
        choices = [("", "—"), *[(c, c) for c in item.choice_list]]
        return forms.ChoiceField(label=label, required=False, choices=choices)
    return forms.CharField(label=label, required=False, max_length=2000)


def initial_for(entry: Any, questions: list[CompletionItem]) -> dict[str, Any]:
    initial = {name: getattr(entry, name) for name in EntryForm.base_fields}
    for item in questions:
        initial[f"c_{item.pk}"] = (entry.completion or {}).get(str(item.pk), "")
    return initial


class AdviceForm(forms.Form):
    body = forms.CharField(
        label=_("助言"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("助言の内容を入力してください。")},
    )


class SystemForm(forms.Form):
    system = forms.CharField(
        label=_("対象システム"),
        max_length=100,
        help_text=_("一覧から選ぶか、独自のシステム名を入力してください。"),
        error_messages={"required": _("システム名を入力してください。")},
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("計画のExcelファイル（.xlsx）"),
        error_messages={"required": _("ファイルを選んでください。")},
    )
