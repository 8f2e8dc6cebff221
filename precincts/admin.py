from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ImportForm

from precincts import resources
from precincts.models import Command, Officer, Precinct, StaffProfile, Zone

User = get_user_model()


@admin.register(Command)
class CommandAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Precinct)
class PrecinctAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "command", "colour", "max_concurrent_posts"]
    list_filter = ["command"]
    list_select_related = ["command"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["command"]
    prepopulated_fields = {"code": ["name"]}


class OfficerImportForm(ImportForm):
    """A precinct's personnel list is a few hundred rows: far below this limit."""

    max_bytes = 5 * 1024 * 1024

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                _("The file is too large: send at most %(mib)d MiB.")
                % {"mib": self.max_bytes // (1024 * 1024)}
            )
        return upload


@admin.register(Officer)
class OfficerAdmin(ImportExportModelAdmin):
    resource_classes = [resources.OfficerResource]
    import_form_class = OfficerImportForm
    list_display = ["nrp", "name", "rank", "precinct", "unit", "phone", "active"]
    list_filter = ["active", "precinct", "rank", "unit"]
    list_select_related = ["precinct"]
    search_fields = ["nrp", "name", "phone"]
    autocomplete_fields = ["precinct", "user"]
    list_per_page = 100


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kelurahan", "kecamatan", "risk_level", "members"]
    list_filter = ["risk_level", "kecamatan"]
    search_fields = ["name", "code", "kelurahan", "kecamatan"]
    autocomplete_fields = ["precincts"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("precincts")

    @admin.display(description=_("precincts sharing it"))
    def members(self, zone):
        return ", ".join(p.name for p in zone.precincts.all())


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "command", "precinct"]
    list_filter = ["role", "command", "precinct"]
    list_select_related = ["user", "command", "precinct"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "command", "precinct"]


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
        from security import mfa

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


admin.site.site_header = _("Giliran administration")
admin.site.site_title = _("Giliran")
