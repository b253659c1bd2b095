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

    def get_readonly_fields(self, request, obj=None):
        # A JIS code names its organisation (a new code is a new organisation), and the
        # review's flags keep a copy of it for their orders (DelayFlag.organization_code).
        return ("code",) if obj is not None else ()

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # inside the admin's transaction: entries in published programmes
            organizations_added.send(Organization, organization_ids=[obj.pk])
