from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin
from patrols import services as night_services
from patrols.models import (
    CheckIn,
    Incident,
    MorningReport,
    PatrolReport,
    ReportRevision,
)


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["officer", "kind", "at", "shift", "on_behalf", "accuracy_m"]
    list_filter = ["kind", "on_behalf", "shift__plan"]
    list_select_related = ["officer", "shift__plan", "shift__precinct"]
    search_fields = ["officer__name", "officer__nrp"]
    autocomplete_fields = ["shift", "officer"]
    date_hierarchy = "at"
    readonly_fields = ["recorded_by", "created_at"]


class IncidentInline(admin.TabularInline):
    model = Incident
    extra = 0


@admin.register(PatrolReport)
class PatrolReportAdmin(admin.ModelAdmin):
    list_display = ["shift", "status", "started_at", "ended_at", "author"]
    list_filter = ["status", "shift__plan"]
    list_select_related = ["shift__plan", "shift__precinct", "author"]
    search_fields = ["summary", "shift__plan__name"]
    autocomplete_fields = ["shift", "present"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "author",
        "acknowledged_by",
        "acknowledged_at",
        "version",
        "created_at",
        "updated_at",
    ]
    inlines = [IncidentInline]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["category", "occurred_at", "people_involved", "weapons_seized"]
    list_filter = ["category"]
    list_select_related = ["report__shift__plan"]
    search_fields = ["description"]
    autocomplete_fields = ["report"]
    date_hierarchy = "occurred_at"


# --- the night (issue 6): report history and morning reports ---------------------


@admin.register(ReportRevision)
class ReportRevisionAdmin(ReadOnlyAdmin):
    # The history is the record: written by services, never edited.
    list_display = ["report", "version", "action", "changed_by", "changed_at"]
    list_filter = ["action"]
    list_select_related = [
        "report__shift__plan",
        "report__shift__precinct",
        "changed_by",
    ]
    search_fields = ["note", "report__summary"]
    date_hierarchy = "changed_at"


@admin.register(MorningReport)
class MorningReportAdmin(ReadOnlyAdmin):
    list_display = [
        "plan",
        "night",
        "empty_post_count",
        "late_count",
        "absent_count",
        "incident_count",
        "missing_report_count",
        "generated_at",
    ]
    list_filter = ["plan"]
    list_select_related = ["plan"]
    search_fields = ["plan__code", "plan__name"]
    date_hierarchy = "night"
    actions = ["rebuild"]

    @admin.action(description=_("Rebuild from the current check-ins and reports"))
    def rebuild(self, request, queryset):
        for report in queryset.select_related("plan"):
            night_services.build_morning_report(
                plan=report.plan, night=report.night, rebuild=True
            )
        self.message_user(request, _("Rebuilt."))
