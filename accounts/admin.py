from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "organization", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "organization__kind"]
    search_fields = ["email", "display_name", "organization__name", "organization__code"]
    autocomplete_fields = ["organization"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("本人"), {"fields": ["display_name", "department", "phone", "organization", "role"]}),
        (
            _("権限"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("日時"), {"fields": ["last_login", "previous_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "display_name",
                    "organization",
                    "role",
                    "password1",
                    "password2",
                ],
            },
        )
    ]
    readonly_fields = ["last_login", "previous_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # The login address changes only through issuance (confirmed by the new address and
        # audited): /manage/accounts/<id>/email/.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "email"] if obj is not None else fields
