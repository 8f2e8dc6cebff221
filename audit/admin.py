from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from audit import tracking
from audit.models import AuditEvent


class ObjectTypeFilter(admin.SimpleListFilter):
    """The tracked models as fixed choices: no DISTINCT over the whole trail."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return sorted(
            (label.lower(), apps.get_model(label)._meta.verbose_name_plural)
            for label in tracking.TRACKED
        )

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(object_type=self.value())
        return queryset


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
    list_filter = ["action", "outcome", ObjectTypeFilter, "at"]
    search_fields = [
        "actor_label",
        "object_label",
        "object_id",
        "=ip",
        "=request_id",
    ]
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    fieldsets = [
        (None, {"fields": ["at", "action", "outcome"]}),
        (_("Who"), {"fields": ["actor_id", "actor_label", "api_key_id", "ip"]}),
        (
            pgettext_lazy("audited object", "What"),
            {"fields": ["object_type", "object_id", "object_label"]},
        ),
        (_("Change"), {"fields": ["before", "after"]}),
        (_("Request"), {"fields": ["request_id"]}),
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
