from django.contrib import admin

from surveys.models import Batch, Question, Response, ResultsJob, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("order", "kind", "text", "required")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "issuer", "status", "opens_on", "closes_on", "via_prefectures")
    list_filter = ("status", "via_prefectures")
    search_fields = ("title",)
    raw_id_fields = ("issuer", "organizations", "documents", "copied_from", "created_by")
    inlines = [QuestionInline]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ("survey", "organization", "status", "revision", "submitted_at", "reopened")
    list_filter = ("status", "reopened")
    raw_id_fields = ("survey", "organization", "submitted_by", "updated_by")


admin.site.register(Batch)
admin.site.register(ResultsJob)
