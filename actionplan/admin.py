from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from actionplan import publishing, tasks
from actionplan.models import (
    Advice,
    CompletionItem,
    ImportJob,
    Milestone,
    OrganizationSystem,
    PlanEntry,
    Programme,
    TargetSystem,
    Task,
    WorkItem,
)
from pmo import jobs


class WorkItemInline(admin.TabularInline):
    model = WorkItem
    fields = ("code", "name", "order", "applies_to")
    extra = 0
    show_change_link = True


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "starts_on",
        "ends_on",
        "plan_deadline",
        "significant_delay_days",
        "is_active",
        "published_at",
    )
    readonly_fields = ("published_at",)
    inlines = [WorkItemInline]
    actions = ["publish"]

    @admin.action(description=_("公開（対象のすべての団体に計画の行を作成）"))
    def publish(self, request, queryset) -> None:
        """A worker creates the entries (1.43M rows take minutes; no request holds a web
        worker for that); in-process (the embedded default) they are made at once."""
        for programme in queryset:
            try:
                jobs.send(tasks.publish_programme, programme.pk)
            except jobs.QueueUnavailable:
                self.message_user(request, jobs.BROKER_DOWN, messages.ERROR)
                return
            self.message_user(
                request,
                gettext("%(programme)s を公開しました。計画の行は順次作成されます。")
                % {"programme": programme},
                messages.SUCCESS,
            )


class _NewTasksGetEntries(admin.ModelAdmin):
    """Tasks added in the admin get their entries when the programme is published."""

    def programme_of(self, obj):
        raise NotImplementedError

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        publishing.programme_changed(self.programme_of(form.instance))


class TaskInline(admin.TabularInline):
    model = Task
    fields = ("name", "order", "weight", "per_system", "needs_procurement", "applies_to")
    extra = 0
    show_change_link = True


@admin.register(WorkItem)
class WorkItemAdmin(_NewTasksGetEntries):
    list_display = ("code", "name", "programme", "applies_to")
    list_filter = ("programme",)
    filter_horizontal = ("responsible_bureaus",)
    inlines = [TaskInline]

    def programme_of(self, work_item: WorkItem) -> Programme:
        return work_item.programme


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class CompletionItemInline(admin.TabularInline):
    model = CompletionItem
    extra = 0


@admin.register(Task)
class TaskAdmin(_NewTasksGetEntries):
    list_display = ("__str__", "order", "weight", "per_system", "needs_procurement")
    list_filter = ("work_item__programme", "work_item")
    filter_horizontal = ("depends_on",)
    inlines = [MilestoneInline, CompletionItemInline]

    def programme_of(self, task: Task) -> Programme:
        return task.work_item.programme


@admin.register(TargetSystem)
class TargetSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "order")
    list_filter = (("organization", admin.EmptyFieldListFilter),)
    raw_id_fields = ("organization",)


@admin.register(OrganizationSystem)
class OrganizationSystemAdmin(admin.ModelAdmin):
    list_display = ("organization", "system", "retired_on")
    raw_id_fields = ("organization", "system")
    # Retiring marks the entries too: on the plan page (actionplan.systems), not here.
    readonly_fields = ("retired_on",)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        publishing.systems_listed(obj.organization)  # G's rows for the system


@admin.register(PlanEntry)
class PlanEntryAdmin(SimpleHistoryAdmin):
    """Read-only here: entries change through the plan page or the sheet (services.save_entry),
    so the version check and the rules are never bypassed."""

    list_display = (
        "organization",
        "task",
        "system",
        "status",
        "planned_end",
        "actual_end",
        "version",
    )
    list_filter = ("status", "task__work_item")
    search_fields = ("organization__name", "organization__code")
    list_select_related = ("organization__prefecture", "task__work_item", "system")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Advice)
class AdviceAdmin(admin.ModelAdmin):
    list_display = ("organization", "author", "created_at")
    raw_id_fields = ("organization", "author", "author_organization")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("organization", "filename", "state", "total", "changed", "created_at")
    exclude = ("upload", "marked")
    raw_id_fields = ("organization", "user")
