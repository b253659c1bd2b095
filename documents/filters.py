"""List filters (django-filter). Text search uses the normalised ``search_text`` column.

Choices come through the one door for the request's user: the tags and publishers offered are
those of the documents in the list the filter narrows (itself built with ``visible``), so a
draft or a 取組情報 shared with others never lends its tag or its publisher to the drop-down."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from documents.models import Category, Document, Linkage, Procedure, ProcedureField, Tag
from orgs.models import MunicipalityClass, Organization

SORTS = (("new", _("公開日の新しい順")), ("old", _("公開日の古い順")), ("title", _("資料名順")))
ALL = _("すべて")  # instead of Django's 「---------」
ORDERING = {"new": ("-published_at", "-pk"), "old": ("published_at", "pk"), "title": ("title",)}


def descendants(category: Category, categories: list[Category]) -> list[int]:
    """``category`` and every category below it (from a list already in memory)."""
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = [c.pk for c in categories if c.parent_id in frontier]
        ids += frontier
    return ids


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="filter_text")
    category = django_filters.ModelChoiceFilter(
        label=_("カテゴリ"),
        queryset=Category.objects.none(),
        method="filter_category",
        empty_label=ALL,
    )
    publisher = django_filters.ModelChoiceFilter(
        label=_("発信元"), queryset=Organization.objects.none(), empty_label=ALL
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("タグ"), field_name="tags", queryset=Tag.objects.none(), empty_label=ALL
    )
    sort = django_filters.ChoiceFilter(
        label=_("並び順"), choices=SORTS, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Document
        fields = ["q", "category", "publisher", "tag", "sort"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        """``queryset``: the documents the user may see in this list (``visible`` for the
        request's user); without it, the documents ``request.user`` may see."""
        user = request.user if request else None
        if queryset is None:
            queryset = permissions.visible(user, Document.objects.all())
        super().__init__(data, queryset, request=request, **kwargs)
        listed = queryset.order_by().values("pk")
        self.filters["category"].queryset = permissions.visible(user, Category.objects.all())
        self.filters["publisher"].queryset = Organization.objects.filter(
            pk__in=queryset.order_by().values("publisher_id")
        ).select_related("parent", "prefecture")
        self.filters["tag"].queryset = Tag.objects.filter(
            pk__in=Document.tags.through.objects.filter(document__in=listed).values("tag_id")
        )

    def filter_text(self, queryset, name, value):
        return queryset.search(value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=descendants(value, list(Category.objects.all())))

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*ORDERING.get(value, ORDERING["new"]))


def _classes(queryset, name, value):
    return queryset.filter(
        Q(municipality_classes="") | Q(municipality_classes__contains=f",{value},")
    )


class ProcedureFilter(django_filters.FilterSet):
    field = django_filters.ModelChoiceFilter(
        label=_("分野"), queryset=ProcedureField.objects.none(), empty_label=ALL
    )
    municipality_class = django_filters.ChoiceFilter(
        label=_("市区町村の区分"),
        choices=MunicipalityClass.choices,
        method="filter_class",
        empty_label=ALL,
    )
    body = django_filters.CharFilter(
        label=_("機関（実施者・照会者・提供者）"), method="filter_body"
    )
    q = django_filters.CharFilter(label=_("キーワード"), method="filter_text")

    class Meta:
        model = Procedure
        fields = ["field", "municipality_class", "body", "q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.request.user if self.request else None
        self.filters["field"].queryset = permissions.visible(user, ProcedureField.objects.all())

    def filter_class(self, queryset, name, value):
        return _classes(queryset, name, value)

    def filter_body(self, queryset, name, value):
        return queryset.filter(body__icontains=value.strip())

    def filter_text(self, queryset, name, value):
        return queryset.search(value, "name", "usage")  # or by reading (ねんきん)


class LinkageFilter(ProcedureFilter):
    class Meta:
        model = Linkage
        fields = ["field", "municipality_class", "body", "q"]

    def filter_body(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(inquirer__icontains=value) | Q(provider__icontains=value))

    def filter_text(self, queryset, name, value):
        return queryset.search(value, "procedure_name", "information")
