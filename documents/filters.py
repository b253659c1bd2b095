"""List filters (django-filter). Text search uses the normalised ``search_text`` column."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.models import Category, Document, Linkage, Procedure, ProcedureField, Tag
from orgs.models import MunicipalityClass, Organization

SORTS = (("new", _("公開日の新しい順")), ("old", _("公開日の古い順")), ("title", _("資料名順")))
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
        label=_("カテゴリ"), queryset=Category.objects.all(), method="filter_category"
    )
    publisher = django_filters.ModelChoiceFilter(
        label=_("発信元"),
        queryset=Organization.objects.filter(published_documents__isnull=False)
        .select_related("parent", "prefecture")
        .distinct(),
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("タグ"), field_name="tags", queryset=Tag.objects.all()
    )
    sort = django_filters.ChoiceFilter(
        label=_("並び順"), choices=SORTS, method="filter_sort", empty_label=None
    )

    class Meta:
        model = Document
        fields = ["q", "category", "publisher", "tag", "sort"]

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
    field = django_filters.ModelChoiceFilter(label=_("分野"), queryset=ProcedureField.objects.all())
    municipality_class = django_filters.ChoiceFilter(
        label=_("市区町村の区分"), choices=MunicipalityClass.choices, method="filter_class"
    )
    body = django_filters.CharFilter(
        label=_("機関（実施者・照会者・提供者）"), method="filter_body"
    )
    q = django_filters.CharFilter(label=_("キーワード"), method="filter_text")

    class Meta:
        model = Procedure
        fields = ["field", "municipality_class", "body", "q"]

    def filter_class(self, queryset, name, value):
        return _classes(queryset, name, value)

    def filter_body(self, queryset, name, value):
        return queryset.filter(body__icontains=value.strip())

    def filter_text(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value.strip()) | Q(usage__icontains=value.strip()))


class LinkageFilter(ProcedureFilter):
    class Meta:
        model = Linkage
        fields = ["field", "municipality_class", "body", "q"]

    def filter_body(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(inquirer__icontains=value) | Q(provider__icontains=value))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(procedure_name__icontains=value) | Q(information__icontains=value))
