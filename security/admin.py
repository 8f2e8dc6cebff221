"""Logins in the admin: the user list with each user's role and second factor.

django-otp's own admin pages are withdrawn: they show authenticator secrets and
delete devices without a trace. Administrators reset a user's second factor from
the user list instead, which the audit trail records."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from precincts.models import StaffProfile
from security import mfa

User = get_user_model()

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    autocomplete_fields = ["command", "precinct"]
    verbose_name_plural = _("role in Giliran")


admin.site.unregister(User)


@admin.register(User)
class GiliranUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = [*UserAdmin.list_display, "role", "two_factor"]
    list_select_related = ["staff_profile"]
    list_filter = [*UserAdmin.list_filter, "staff_profile__role"]
    actions = ["reset_second_factor"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_two_factor=Exists(
                    TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
                )
            )
        )

    @admin.display(description=_("role"), ordering="staff_profile__role")
    def role(self, user):
        profile = getattr(user, "staff_profile", None)
        return profile.get_role_display() if profile else "–"

    @admin.display(
        description=_("two-factor login"), boolean=True, ordering="has_two_factor"
    )
    def two_factor(self, user):
        return user.has_two_factor

    @admin.action(
        description=_("Reset two-factor login (lost phone)"),
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        reset = sum(
            mfa.reset_second_factor(user=user, by=request.user) for user in queryset
        )
        self.message_user(
            request,
            ngettext(
                "Two-factor login was reset for %(count)d user: they set it up "
                "again at their next login if their role requires it.",
                "Two-factor login was reset for %(count)d users: they set it up "
                "again at their next login if their role requires it.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )
