from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from review.models import (
    ApprovedException,
    DelayFlag,
    FollowUp,
    FollowUpNote,
    MinistryReview,
    NotificationEvent,
    PlanCheck,
)


@admin.register(DelayFlag)
class DelayFlagAdmin(admin.ModelAdmin):
    list_display = (
        *("organization", "work_item", "rule", "days_late", "significant", "approved"),
        *("first_seen", "last_seen", "resolved_at"),
    )
    list_filter = ("rule", "significant", "approved", "work_item")
    search_fields = ("organization__name", "organization__code")
    raw_id_fields = ("entry", "organization")
    readonly_fields = [field.name for field in DelayFlag._meta.fields]


@admin.register(ApprovedException)
class ApprovedExceptionAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "task", "approved_until", "reason", "approved_by_organization")
    list_filter = ("reason",)
    raw_id_fields = ("organization", "task", "approved_by", "approved_by_organization")


class NoteInline(admin.TabularInline):
    model = FollowUpNote
    extra = 0
    raw_id_fields = ("author", "author_organization")


@admin.register(FollowUp)
class FollowUpAdmin(SimpleHistoryAdmin):
    list_display = ("organization", "cause", "state", "due_on", "opened_by_organization")
    list_filter = ("state", "cause")
    raw_id_fields = ("organization", "opened_by", "opened_by_organization")
    inlines = [NoteInline]


class ReviewInline(admin.TabularInline):
    model = MinistryReview
    extra = 0
    raw_id_fields = ("ministry", "reviewed_by")


@admin.register(PlanCheck)
class PlanCheckAdmin(admin.ModelAdmin):
    list_display = ("organization", "programme", "state", "checked_at")
    list_filter = ("state",)
    raw_id_fields = ("organization", "checked_by")
    inlines = [ReviewInline]


@admin.register(NotificationEvent)
class NotificationEventAdmin(admin.ModelAdmin):
    list_display = ("recipient", "day", "kind", "state", "sent_at")
    list_filter = ("state", "kind", "day")
    raw_id_fields = ("recipient",)
