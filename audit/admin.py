from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Searchable and read-only: the trail is never edited or deleted by hand."""

    list_display = [
        "at",
        "action",
        "outcome",
        "actor_label",
        "object_type",
        "object_label",
        "ip",
        "request_id",
    ]
    list_filter = ["action", "outcome", "object_type", "at"]
    search_fields = [
        "actor_label",
        "object_label",
        "object_id",
        "=ip",
        "=request_id",
    ]
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    fieldsets = [
        (None, {"fields": ["at", "action", "outcome"]}),
        (_("Who"), {"fields": ["actor_id", "actor_label", "api_key_id", "ip"]}),
        (_("What"), {"fields": ["object_type", "object_id", "object_label"]}),
        (_("Change"), {"fields": ["before", "after"]}),
        (_("Request"), {"fields": ["request_id"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
