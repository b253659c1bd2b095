"""Admin for system administrators. Editors use the portal's own screens."""

from __future__ import annotations

from django.contrib import admin

from documents import models, services


@admin.register(models.Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "order")
    list_select_related = ("parent",)


class DocumentFileInline(admin.TabularInline):
    model = models.DocumentFile
    extra = 0
    fields = ("version", "original_name", "size", "superseded", "uploaded_at")
    readonly_fields = fields
    can_delete = False


@admin.register(models.Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "publisher", "audience", "status", "published_at")
    list_filter = ("kind", "status", "audience")
    list_select_related = ("publisher__parent", "publisher__prefecture")
    search_fields = ("title", "purpose")
    raw_id_fields = ("organizations", "publisher", "created_by")
    readonly_fields = ("download_count", "created_at", "updated_at")
    inlines = [DocumentFileInline]


@admin.register(models.Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ("title", "source", "date", "is_published")


class PortalLinkInline(admin.TabularInline):
    model = models.PortalLink
    extra = 1
    raw_id_fields = ("document",)


@admin.register(models.PortalSection)
class PortalSectionAdmin(admin.ModelAdmin):
    list_display = ("heading", "page", "order")
    inlines = [PortalLinkInline]


class PortalSectionInline(admin.TabularInline):
    model = models.PortalSection
    extra = 1
    show_change_link = True


@admin.register(models.PortalPage)
class PortalPageAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "is_published")
    inlines = [PortalSectionInline]


admin.site.register(models.ProcedureField)
admin.site.register(models.Tag)


@admin.register(models.Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("number", "field", "name", "body")
    list_filter = ("field",)
    filter_horizontal = ("documents",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_catalogue_readings([obj])


@admin.register(models.Linkage)
class LinkageAdmin(admin.ModelAdmin):
    list_display = ("number", "field", "inquirer", "provider", "information")
    list_filter = ("field",)
    filter_horizontal = ("documents",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_catalogue_readings([obj])
