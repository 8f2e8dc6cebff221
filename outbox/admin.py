from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdmin
from outbox import services
from outbox.models import OutboxMessage, TaskRun


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "task_name",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "task_name"]
    search_fields = ["task_name", "=task_id", "last_error"]
    date_hierarchy = "created_at"
    actions = ["resend"]

    @admin.action(description=_("Send the failed messages again"))
    def resend(self, request, queryset):
        count = services.resend_failed(
            message_ids=queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued again.",
                "%(count)d messages queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(TaskRun)
class TaskRunAdmin(ReadOnlyAdmin):
    list_display = [
        "task_name",
        "status",
        "node",
        "attempts",
        "recoveries",
        "started_at",
        "heartbeat_at",
        "finished_at",
    ]
    list_filter = ["status", "task_name"]
    search_fields = ["task_name", "=task_id", "node"]
    date_hierarchy = "started_at"
