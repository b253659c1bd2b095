from django.contrib import admin

from orgs.models import Organization
from orgs.signals import organizations_added


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "prefecture", "municipality_class", "is_active"]
    list_filter = ["kind", "municipality_class", "is_active"]
    search_fields = ["code", "name", "name_kana"]
    autocomplete_fields = ["prefecture", "parent"]
    list_select_related = ["prefecture"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # inside the admin's transaction: entries in published programmes
            organizations_added.send(Organization, organization_ids=[obj.pk])
