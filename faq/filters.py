from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from faq.models import FAQ, Field, Inquiry, InquiryStatus, WorkItem


class FAQFilter(django_filters.FilterSet):
    work_item = django_filters.ChoiceFilter(
        label=_("作業項目"), choices=WorkItem.choices, empty_label=_("すべて")
    )
    field = django_filters.ChoiceFilter(
        label=_("分野"), choices=Field.choices, empty_label=_("すべて")
    )
    topic = django_filters.CharFilter(label=_("トピック"), max_length=100)

    class Meta:
        model = FAQ
        fields = ["work_item", "field", "topic"]


class InquiryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("状態"), choices=InquiryStatus.choices, empty_label=_("すべて")
    )
    work_item = django_filters.ChoiceFilter(
        label=_("作業項目"), choices=WorkItem.choices, empty_label=_("すべて")
    )

    class Meta:
        model = Inquiry
        fields = ["status", "work_item"]
