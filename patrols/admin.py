from django.contrib import admin

from patrols.models import CheckIn, Incident, PatrolReport


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
