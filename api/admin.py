"""API keys are created here; the secret is shown once, in the message after saving."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from api import services
from api.models import ApiKey, FeedToken


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "scope",
        "precinct",
        "command",
        "rate_per_minute",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["scope", "command", "precinct"]
    search_fields = ["name", "prefix"]
    list_select_related = ["precinct", "command"]
    autocomplete_fields = ["precinct", "command"]
    readonly_fields = [
        "prefix",
        "last_used_at",
        "created_by",
        "created_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        secret = services.create_api_key(key=obj, by=request.user)
        messages.warning(
            request,
            _("The key is %(secret)s — copy it now: it is not shown again.")
            % {"secret": secret},
        )

    @admin.action(description=_("Revoke the selected keys now"))
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            services.revoke_api_key(key=key)


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "user",
        "api_key",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "api_key__name"]
    list_select_related = ["user", "api_key"]
    autocomplete_fields = ["user", "api_key"]
    readonly_fields = ["created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = services.create_feed_token(
            user=obj.user, api_key=obj.api_key, name=obj.name
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _(
                "The feed token is %(secret)s — add ?token=… to a feed URL; it is not "
                "shown again."
            )
            % {"secret": secret},
        )

    @admin.action(description=_("Revoke the selected tokens now"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.revoke_feed_token(token=token)
