from django.contrib import admin

from orgs.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "prefecture", "municipality_class", "is_active"]
    list_filter = ["kind", "municipality_class", "is_active"]
    search_fields = ["code", "name", "name_kana"]
    autocomplete_fields = ["prefecture", "parent"]
    list_select_related = ["prefecture"]
