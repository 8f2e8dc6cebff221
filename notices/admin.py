from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyAdmin
from notices import delivery
from notices.models import (
    DeliveryStatus,
    Notification,
    Webhook,
    WebhookDelivery,
)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["title", "recipient", "kind", "night", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), "plan"]
    list_select_related = ["recipient", "plan"]
    search_fields = ["title", "body", "recipient__username", "dedupe_key"]
    date_hierarchy = "created_at"


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "precinct", "active", "created_at"]
    list_filter = ["active", "precinct"]
    list_select_related = ["precinct"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["precinct"]
    readonly_fields = ["created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "notification",
        "webhook",
        "status",
        "attempts",
        "response_code",
        "delivered_at",
    ]
    list_filter = ["status", "webhook"]
    list_select_related = ["webhook", "notification__recipient"]
    search_fields = ["webhook__name", "notification__title", "last_error"]
    actions = ["retry"]

    @admin.action(description=_("Send the failed deliveries again"))
    def retry(self, request, queryset):
        count = 0
        for failed in queryset.filter(status=DeliveryStatus.FAILED):
            delivery.retry_webhook_delivery(delivery=failed)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.",
                "%(count)d deliveries queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
