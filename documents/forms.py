"""Forms of the documents app. Messages are Japanese and sit next to their field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents import rules
from documents.models import (
    Announcement,
    Audience,
    Category,
    Document,
    Kind,
    Linkage,
    PortalLink,
    PortalPage,
    PortalSection,
    Procedure,
    audience_class_choices,
)
from orgs.models import Organization, OrganizationKind
from pmo.form_fields import model_choice
from pmo.uploads import ALLOWED_EXTENSIONS, validate_upload

ACCEPT = ",".join(f".{ext}" for ext in ALLOWED_EXTENSIONS)
PUBLICATION_CHOICES = (
    ("draft", _("下書きとして保存")),
    ("publish", _("今すぐ公開")),
    ("schedule", _("日時を指定して公開（公開予約）")),
)


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent else obj.name


class UploadField(forms.FileField):
    """A file field that applies the shared upload rules (size, type, content)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault(
            "help_text",
            _("50 MB まで。PDF、Excel、Word、PowerPoint、CSV、ZIP、テキストのファイル。"),
        )
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ACCEPT

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file and file is not initial:
            validate_upload(file)
        return file


class DocumentForm(forms.ModelForm):
    tags_text = forms.CharField(
        label=_("タグ"),
        required=False,
        help_text=_("「、」またはカンマで区切って入力します。例: 生活保護、様式"),
    )
    organization_codes = forms.CharField(
        label=_("公開先の団体コード"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "公開先が「指定した団体」のとき、団体コードを改行またはカンマで区切って入力します。"
        ),
    )
    audience_class_list = forms.MultipleChoiceField(
        label=_("公開先の区分"),
        required=False,
        choices=audience_class_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("公開先が「指定した区分の団体」のときに選びます。"),
    )
    procedure_numbers = forms.CharField(
        label=_("関連する事務・手続の項番"),
        required=False,
        help_text=_(
            "事務・手続の一覧（別表第1・第2）の項番を「、」またはカンマで区切って入力すると、"
            "その行から本資料へリンクします。例: 15、26"
        ),
    )
    publication = forms.ChoiceField(
        label=_("公開方法"), choices=PUBLICATION_CHOICES, widget=forms.RadioSelect, initial="draft"
    )
    publish_at = forms.DateTimeField(
        label=_("公開予定日時"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M"],
    )
    upload = UploadField(label=_("ファイル"), required=False)
    note = forms.CharField(label=_("更新内容"), required=False, max_length=300)

    class Meta:
        model = Document
        fields = ["category", "title", "purpose", "publisher", "audience"]
        field_classes = {"category": CategoryChoiceField}
        widgets = {"purpose": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, creating: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        # Ministries publish documents; a 取組情報 keeps the organisation that shared it.
        publishers = Q(kind=OrganizationKind.MINISTRY)
        if self.instance.publisher_id:
            publishers |= Q(pk=self.instance.publisher_id)
        model_choice(self, "publisher").queryset = Organization.objects.filter(
            publishers
        ).select_related("parent", "prefecture")
        model_choice(self, "category").queryset = Category.objects.select_related("parent")
        self.fields["category"].required = True
        self.fields["upload"].required = creating
        if self.instance.pk:
            self.fields["tags_text"].initial = gettext("、").join(
                self.instance.tags.values_list("name", flat=True)
            )
            self.fields["organization_codes"].initial = "\n".join(
                self.instance.organizations.values_list("code", flat=True)
            )
            self.fields["audience_class_list"].initial = [
                code for code in self.instance.audience_classes.split(",") if code
            ]
            numbers = {p.number for p in self.instance.procedures.all()}
            numbers |= {row.number for row in self.instance.linkages.all()}
            self.fields["procedure_numbers"].initial = gettext("、").join(sorted(numbers))
            self.fields["publication"].initial = (
                "schedule" if self.instance.status == "scheduled" else "draft"
            )
            self.fields["publish_at"].initial = self.instance.publish_at and timezone.localtime(
                self.instance.publish_at
            )
            del self.fields["upload"], self.fields["note"]

    def clean_tags_text(self) -> list[str]:
        text = self.cleaned_data["tags_text"]
        for separator in rules.SEPARATORS:
            text = text.replace(separator, " ")
        return [word[:50] for word in text.split()]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        clean_audience(self, data)
        data["catalogue_rows"] = self._catalogue_rows(data.get("procedure_numbers", ""))
        if data.get("publication") == "schedule":
            publish_at = data.get("publish_at")
            if not publish_at:
                self.add_error("publish_at", _("公開予定日時を入力してください。"))
            elif publish_at <= timezone.now():
                self.add_error(
                    "publish_at", _("公開予定日時には、これから先の日時を入力してください。")
                )
        return data

    def document_fields(self) -> dict:
        """The model fields the services take, from the cleaned form."""
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields}
        return fields | {"audience_classes": self.cleaned_data["audience_classes"]}

    def _catalogue_rows(self, text: str) -> tuple[list, list]:
        for separator in rules.SEPARATORS:
            text = text.replace(separator, " ")
        numbers = text.split()
        procedures = list(Procedure.objects.filter(number__in=numbers))
        linkages = list(Linkage.objects.filter(number__in=numbers))
        found = {row.number for row in procedures} | {row.number for row in linkages}
        if missing := [number for number in numbers if number not in found]:
            self.add_error(
                "procedure_numbers",
                _("項番 %(numbers)s は事務・手続の一覧にありません。")
                % {"numbers": gettext("、").join(missing)},
            )
        return procedures, linkages


class VersionForm(forms.Form):
    upload = UploadField(label=_("新しい版のファイル"))
    note = forms.CharField(label=_("更新内容"), required=False, max_length=300)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=300)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("公開終了の理由"), max_length=300, required=False)


class EffortForm(forms.Form):
    title = forms.CharField(label=_("資料名"), max_length=300)
    purpose = forms.CharField(
        label=_("資料の内容、用途"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    upload = UploadField(label=_("ファイル"))


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ["source", "title", "body", "date", "page", "document", "is_published"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "body": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "document").queryset = Document.objects.published().order_by("title")


class CatalogueImportForm(forms.Form):
    workbook = forms.FileField(
        label=_("Excel ファイル（.xlsx）"),
        help_text=_("「別表第1」「別表第2」シートの見出しは、ダウンロードした一覧と同じにします。"),
    )

    def clean_workbook(self):
        file = self.cleaned_data["workbook"]
        if not file.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Excel ファイル（.xlsx）を選んでください。"))
        validate_upload(file)
        return file


class PortalPageForm(forms.ModelForm):
    class Meta:
        model = PortalPage
        fields = ["slug", "title", "intro", "is_published"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"slug": _("URL に使う英数字（例: social-security）")}


class PortalSectionForm(forms.ModelForm):
    class Meta:
        model = PortalSection
        fields = ["heading", "intro", "order"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 2})}


class PortalLinkForm(forms.ModelForm):
    class Meta:
        model = PortalLink
        fields = ["section", "document", "group", "note", "order"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"note": _("空のときは資料の「資料の内容、用途」を表示します。")}

    def __init__(self, *args, page: PortalPage, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "section").queryset = page.sections.all()
        model_choice(self, "document").queryset = Document.objects.filter(
            kind=Kind.DOCUMENT
        ).order_by("title")


def clean_audience(form: forms.BaseForm, data: dict) -> None:
    """The audience fields of a form (``audience``, ``organization_codes``,
    ``audience_class_list``) into ``organizations`` and ``audience_classes`` of ``data``;
    shared by every form with an audience (documents, surveys), errors next to the field."""
    codes = data.get("organization_codes", "")
    for separator in rules.SEPARATORS:
        codes = codes.replace(separator, " ")
    codes = codes.split()
    if data.get("audience") == Audience.NAMED:
        found = Organization.objects.in_bulk(codes, field_name="code")
        if missing := [code for code in codes if code not in found]:
            form.add_error(
                "organization_codes",
                _("団体コード %(codes)s が見つかりません。")
                % {"codes": gettext("、").join(missing)},
            )
        elif not codes:
            form.add_error("organization_codes", _("公開先の団体を1つ以上入力してください。"))
        data["organizations"] = list(found.values())
    else:
        data["organizations"] = []
    classes = data.get("audience_class_list") or []
    if data.get("audience") == Audience.CLASSES and not classes:
        form.add_error("audience_class_list", _("公開先の区分を1つ以上選んでください。"))
    data["audience_classes"] = (
        "," + ",".join(classes) + "," if data.get("audience") == Audience.CLASSES else ""
    )
