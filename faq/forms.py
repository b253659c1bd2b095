from __future__ import annotations

from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import User
from faq import richtext, rules
from faq.models import FAQ, Field, Inquiry, WorkItem
from faq.normalize import normalize
from faq.services import StaleEdit
from pmo.form_fields import choice, model_choice
from pmo.uploads import extension, validate_upload

MAX_ATTACHMENTS = 5
# An optional choice left empty, said in words (Django's default is 「---------」).
NOT_CHOSEN = _("（指定なし）")
# A choice that must be made.
CHOOSE = _("（選択してください）")


def _choices(choices) -> list:
    return [("", NOT_CHOSEN), *choices]


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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("work_item", "field"):
            field = choice(self, name)
            field.choices = _choices([c for c in cast(list, field.choices) if c[0] != ""])

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
    return User.objects.filter(
        permissions.holders(permissions.EDIT_CONTENT), is_active=True
    ).order_by("display_name")


class EditorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(name)s（%(email)s）") % {"name": obj.display_name, "email": obj.email}


class AssignForm(forms.Form):
    assignee = EditorChoiceField(
        label=_("担当者"),
        queryset=User.objects.none(),
        empty_label=CHOOSE,
        error_messages={"required": _("担当者を選んでください。")},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "assignee").queryset = editors()


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
        label=_("作業項目"), choices=_choices(WorkItem.choices), required=False
    )
    field = forms.ChoiceField(label=_("分野"), choices=_choices(Field.choices), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excelファイル（.xlsx）"),
        error_messages={"required": _("ファイルを選んでください。")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if extension(upload.name) != "xlsx":
            raise ValidationError(_("Excelファイル（.xlsx）を選んでください。"), code="extension")
        validate_upload(upload)  # size and content, by the documents' upload rules
        return upload


# --- Editing an FAQ in the portal ---------------------------------------------------------------
class RelatedFAQField(forms.CharField):
    """FAQ numbers as the import reads them (``FAQ-0001, FAQ-0002``) → FAQs of ``faqs``."""

    def __init__(self, *, faqs=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.faqs = faqs if faqs is not None else FAQ.objects.none()

    def clean(self, value) -> list[FAQ]:
        numbers = rules.split_numbers(super().clean(value))
        found = self.faqs.in_bulk(numbers, field_name="number") if numbers else {}
        if missing := [number for number in numbers if number not in found]:
            raise ValidationError(
                [
                    ValidationError(_("%(number)s というFAQはありません。"), params={"number": n})
                    for n in missing
                ],
                code="unknown",
            )
        return [found[number] for number in numbers]


class LinksField(forms.CharField):
    """Related documents as the import reads them: one ``資料名|URL`` a line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return rules.links_text(value) if isinstance(value, list) else value

    def clean(self, value) -> list[dict]:
        links, bad_lines = rules.parse_links(super().clean(value))
        if bad_lines:
            raise ValidationError(
                [
                    ValidationError(
                        _("%(line)s行目: 「資料名|URL」の形で1行に1件入力してください。"),
                        params={"line": line},
                    )
                    for line in bad_lines
                ],
                code="invalid",
            )
        return links


class FAQForm(forms.Form):
    """An FAQ's fields for an editor; :func:`faq.services.save_faq` writes them.

    ``instance`` is the FAQ being edited (``None`` when creating): the number may not clash
    with another FAQ's, and ``version`` must still be the FAQ's, else the edit is refused with
    who changed it. ``faqs`` are the FAQs the editor may link as related.
    """

    number = forms.CharField(
        label=_("番号"),
        max_length=16,
        required=False,
        help_text=_("FAQ-0001 の形。新規作成で空欄なら自動で採番します。"),
        error_messages={
            "required": _("番号を入力してください。"),
            "max_length": _("番号は%(limit_value)d文字以内で入力してください。"),
        },
    )
    question = forms.CharField(
        label=_("質問"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("質問を入力してください。"),
            "max_length": _("質問は%(limit_value)d文字以内で入力してください。"),
        },
    )
    answer = forms.CharField(
        label=_("回答"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "段落 <p>・箇条書き <ul><li>・リンク <a href> が使えます。"
            "タグを使わない場合は、空行で段落を分けて入力してください。"
        ),
        error_messages={"required": _("回答を入力してください。")},
    )
    work_item = forms.ChoiceField(
        label=_("作業項目"),
        choices=_choices(WorkItem.choices),
        required=False,
        error_messages={"invalid_choice": _("作業項目は一覧から選んでください。")},
    )
    field = forms.ChoiceField(
        label=_("分野"),
        choices=_choices(Field.choices),
        required=False,
        error_messages={"invalid_choice": _("分野は一覧から選んでください。")},
    )
    topic = forms.CharField(
        label=_("トピック"),
        max_length=100,
        required=False,
        error_messages={"max_length": _("トピックは%(limit_value)d文字以内で入力してください。")},
    )
    is_published = forms.BooleanField(label=_("公開する"), required=False)
    related = RelatedFAQField(
        label=_("関連するFAQ"),
        required=False,
        help_text=_("番号をカンマ区切りで入力します（例: FAQ-0001, FAQ-0002）。"),
    )
    related_documents = LinksField(
        label=_("関連資料"),
        required=False,
        help_text=_(
            "1行に1件、「資料名|URL」の形で入力します（例: 事務処理要領|/documents/12/）。"
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: FAQ | None = None, faqs=None, **kwargs) -> None:
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_for(instance))
        super().__init__(*args, **kwargs)
        related = cast(RelatedFAQField, self.fields["related"])
        related.faqs = faqs if faqs is not None else FAQ.objects.all()
        if instance is not None:
            self.fields["number"].required = True
            self.fields["number"].help_text = _(
                "FAQ-0001 の形。番号を変えると、このFAQのページのURLも変わります。"
            )

    @staticmethod
    def initial_for(faq: FAQ) -> dict:
        """The form's values for ``faq`` (reads its related FAQs: one query)."""
        return {
            "number": faq.number,
            "question": faq.question,
            "answer": faq.answer,
            "work_item": faq.work_item,
            "field": faq.field,
            "topic": faq.topic,
            "is_published": faq.is_published,
            "related": ", ".join(faq.related.order_by("number").values_list("number", flat=True)),
            "related_documents": faq.related_documents,
            "version": faq.version,
        }

    def clean_number(self) -> str:
        number = rules.clean_number(self.cleaned_data.get("number"))
        if not number:
            return number
        if not rules.is_number(number):
            raise ValidationError(
                _("番号は FAQ-0001 の形で入力してください（新規は空欄）。"), code="invalid"
            )
        others = FAQ.objects.filter(number=number)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(
                _("%(number)s は既に別のFAQの番号です。"),
                code="unique",
                params={"number": number},
            )
        return number

    def clean_question(self) -> str:
        value = self.cleaned_data.get("question", "")
        # Only spaces or control characters is as empty as nothing.
        if not normalize(value):
            raise ValidationError(_("質問を入力してください。"), code="required")
        return value.strip()

    def clean_answer(self) -> str:
        html = richtext.from_editor(self.cleaned_data.get("answer", ""))
        if not normalize(richtext.to_plain(html)):
            raise ValidationError(_("回答を入力してください。"), code="required")
        return html

    def clean_related(self) -> list[FAQ]:
        related = self.cleaned_data.get("related") or []
        if self.instance is not None and any(other.pk == self.instance.pk for other in related):
            raise ValidationError(_("このFAQ自身は関連FAQにできません。"), code="self")
        return related

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance is not None and cleaned.get("version") != self.instance.version:
            raise ValidationError(StaleEdit(self.instance).message(), code="stale")
        return cleaned

    def faq_fields(self) -> dict:
        """The cleaned values for the service (without ``related`` and ``version``)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("related", "version") and not (name == "number" and not value)
        }
