from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from faq.models import Field, Inquiry, WorkItem
from faq.normalize import normalize

MAX_ATTACHMENTS = 5


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class InquiryForm(forms.ModelForm):
    attachments = MultipleFileField(
        label=_("添付ファイル"),
        required=False,
        help_text=_("PDF・Excel・Word などを5件まで、1件50MBまで添付できます。"),
    )

    class Meta:
        model = Inquiry
        fields = ["subject", "body", "work_item", "field"]
        labels = {"subject": _("件名"), "body": _("質問内容")}
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        error_messages = {
            "subject": {
                "required": _("件名を入力してください。"),
                "max_length": _("件名は%(limit_value)d文字以内で入力してください。"),
            },
            "body": {
                "required": _("質問内容を入力してください。"),
                "max_length": _("質問内容は%(limit_value)d文字以内で入力してください。"),
            },
        }

    def clean_subject(self) -> str:
        return self._not_blank("subject", _("件名を入力してください。"))

    def clean_body(self) -> str:
        return self._not_blank("body", _("質問内容を入力してください。"))

    def _not_blank(self, name: str, message) -> str:
        value = self.cleaned_data.get(name, "")
        # Only spaces or control characters is as empty as nothing.
        if not normalize(value):
            raise ValidationError(message, code="required")
        return value.strip()

    def clean_attachments(self) -> list:
        from documents.uploads import validate_upload

        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(_("添付ファイルは5件までです。"))
        errors = []
        for upload in files:
            try:
                validate_upload(upload)
            except ValidationError as exc:
                errors += [f"{upload.name}: {message}" for message in exc.messages]
        if errors:
            raise ValidationError(errors)
        return files


def editors():
    return User.objects.filter(is_active=True, role__in=[Role.EDITOR, Role.SYSADMIN]).order_by(
        "display_name"
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("担当者"),
        queryset=User.objects.none(),
        error_messages={"required": _("担当者を選んでください。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = editors()
        self.fields["assignee"].label_from_instance = lambda u: f"{u.display_name}（{u.email}）"


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("回答"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("回答を入力してください。"),
            "max_length": _("回答は%(limit_value)d文字以内で入力してください。"),
        },
    )


class PublishForm(forms.Form):
    question = forms.CharField(
        label=_("FAQの質問"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("質問を入力してください。")},
    )
    answer = forms.CharField(
        label=_("FAQの回答"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("回答を入力してください。")},
    )
    work_item = forms.ChoiceField(
        label=_("作業項目"), choices=[("", "---------"), *WorkItem.choices], required=False
    )
    field = forms.ChoiceField(
        label=_("分野"), choices=[("", "---------"), *Field.choices], required=False
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excelファイル（.xlsx）"),
        error_messages={"required": _("ファイルを選んでください。")},
    )

    def clean_file(self):
        from documents.uploads import extension, validate_upload

        upload = self.cleaned_data["file"]
        if extension(upload.name) != "xlsx":
            raise ValidationError(_("Excelファイル（.xlsx）を選んでください。"), code="extension")
        validate_upload(upload)  # size and content, by the documents' upload rules
        return upload
