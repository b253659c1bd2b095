from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from outbox import services
from outbox.models import Mail


@admin.register(Mail)
class MailAdmin(admin.ModelAdmin):
    """Read-only: the operator sees what is queued, stuck or failed, and why."""

    list_display = (
        *("created_at", "kind", "recipients", "subject", "state", "attempts"),
        *("next_attempt_at", "sent_at"),
    )
    list_filter = ("state", "kind")
    search_fields = ("subject", "to")
    date_hierarchy = "created_at"
    actions = ["retry"]
    show_full_result_count = False  # no COUNT(*) over every mail ever sent

    @admin.display(description=_("宛先"))
    def recipients(self, mail: Mail) -> str:
        return ", ".join(mail.to)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("送信失敗のメールを再送する"), permissions=["view"])
    def retry(self, request, queryset) -> None:
        count = services.retry(queryset.values_list("pk", flat=True))
        self.message_user(
            request, _("%(count)d 件を再送待ちにしました。") % {"count": count}, messages.SUCCESS
        )
