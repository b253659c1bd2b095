from __future__ import annotations

from django.contrib import admin

from faq import services
from faq.models import FAQ, Inquiry, InquiryAttachment, SearchMiss


@admin.register(FAQ)
class FAQAdmin(admin.ModelAdmin):
    list_display = ("number", "question", "work_item", "field", "updated_on", "view_count")
    list_filter = ("work_item", "field", "is_published")
    search_fields = ("number", "question_norm", "answer_norm")
    filter_horizontal = ("related",)
    readonly_fields = ("view_count", "helpful_count", "updated_at", "updated_by", "version")

    def save_model(self, request, obj, form, change) -> None:
        # The service keeps the answer sanitised and the search columns current, and audits.
        services.save_from_admin(obj, by=request.user, request=request, created=not change)


class AttachmentInline(admin.TabularInline):
    model = InquiryAttachment
    extra = 0
    readonly_fields = ("original_name", "size", "content_type", "uploaded_at")
    fields = readonly_fields


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "organization", "status", "assignee", "created_at")
    list_filter = ("status", "work_item")
    raw_id_fields = ("organization", "asker", "assignee", "published_faq")
    inlines = [AttachmentInline]


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ("query_norm", "example", "count", "last_seen")
