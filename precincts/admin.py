from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from precincts import post_codes, resources
from precincts.models import Command, Officer, Precinct, StaffProfile, Zone


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


@admin.register(Officer)
class OfficerAdmin(ExportMixin, admin.ModelAdmin):
    """Officers, with export to CSV/XLSX; import is its own page (Imports →
    Officer imports), which checks a file in the background, within limits."""

    resource_classes = [resources.OfficerResource]
    import_export_change_list_template = "admin/precincts/officer/change_list.html"
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
    readonly_fields = ["post_code_version"]
    actions = ["new_post_code"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("precincts")

    @admin.action(description=_("New QR code for the post (the printed one stops)"))
    def new_post_code(self, request, queryset):
        for zone in queryset:
            post_codes.rotate(zone=zone)
        self.message_user(
            request,
            _("New QR codes: print them again from the post's QR page."),
        )

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


admin.site.site_header = _("Giliran administration")
admin.site.site_title = _("Giliran")
