from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin
from schedules.admin_forms import (
    OVERRIDE,
    AssignmentAdminForm,
    OverlapRefusedMixin,
    RosterFormSet,
    ShiftAdminForm,
    roster_with,
)
from schedules.models import (
    Assignment,
    Blackout,
    PlanMember,
    PlanSignature,
    PlanVersion,
    RotationPlan,
    Shift,
    ShiftChange,
    ShiftSnapshot,
    SwapRequest,
)
from schedules.services import generation, plan_versions, shift_edits


class PlanMemberInline(admin.TabularInline):
    """Members are chosen with a new plan; later they change only through a signed
    version (schedules.services.plan_versions), like the other rules."""

    model = PlanMember
    extra = 0
    autocomplete_fields = ["precinct"]
    ordering = ["position"]

    def has_add_permission(self, request, obj=None):
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return obj is None and super().has_delete_permission(request, obj)


@admin.register(RotationPlan)
class RotationPlanAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "zone",
        "window",
        "slot_minutes",
        "min_officers",
        "strategy",
        "valid_from",
        "valid_until",
        "active",
    ]
    list_filter = ["active", "strategy", "zone"]
    list_select_related = ["zone"]
    search_fields = ["name", "code", "zone__name"]
    autocomplete_fields = ["zone"]
    prepopulated_fields = {"code": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PlanMemberInline]
    fieldsets = [
        (None, {"fields": ["name", "code", "zone", "active", "strategy"]}),
        (
            _("Window and slots"),
            {
                "fields": [
                    "window_start",
                    "window_end",
                    "slot_minutes",
                    "min_officers",
                    "rest_hours",
                    "time_zone",
                ]
            },
        ),
        (_("Validity"), {"fields": ["valid_from", "valid_until", "horizon_days"]}),
        (
            _("The night"),
            {
                "fields": [
                    "checkin_grace_minutes",
                    "empty_post_minutes",
                    "reminder_time",
                    "morning_report_time",
                ]
            },
        ),
        (_("Timestamps"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        """An existing plan's rules are the agreement in force: they change only
        when every member has signed a new version (the plan's agreement page)."""
        fields = list(super().get_readonly_fields(request, obj))
        return fields + plan_versions.RULE_FIELDS if obj is not None else fields

    @admin.display(description=_("window"))
    def window(self, plan):
        return f"{plan.window_start:%H:%M}–{plan.window_end:%H:%M}"

    actions = ["generate_horizon", "preview_horizon"]

    def _generate(self, request, queryset, *, dry_run: bool):
        for plan in queryset.order_by("pk"):
            try:
                result = generation.generate_shifts(plan=plan, dry_run=dry_run)
            except ValidationError as exc:
                self.message_user(
                    request, f"{plan}: {' '.join(exc.messages)}", messages.ERROR
                )
                continue
            text = (
                _(
                    "%(plan)s, %(first)s to %(last)s (preview, nothing saved): "
                    "%(created)d to create, %(changed)d to change, %(unchanged)d "
                    "unchanged, %(removed)d to cancel, %(uncovered)d uncovered."
                )
                if dry_run
                else _(
                    "%(plan)s, %(first)s to %(last)s: %(created)d created, "
                    "%(changed)d changed, %(unchanged)d unchanged, %(removed)d "
                    "cancelled, %(uncovered)d uncovered."
                )
            ) % {
                "plan": plan,
                "first": result.first,
                "last": result.last,
                "created": result.created,
                "changed": result.changed,
                "unchanged": result.unchanged,
                "removed": result.removed,
                "uncovered": len(result.uncovered),
            }
            level = messages.WARNING if result.uncovered else messages.SUCCESS
            self.message_user(request, text, level)

    @admin.action(description=_("Generate the rolling horizon"))
    def generate_horizon(self, request, queryset):
        self._generate(request, queryset, dry_run=False)

    @admin.action(description=_("Preview the rolling horizon (dry run)"))
    def preview_horizon(self, request, queryset):
        self._generate(request, queryset, dry_run=True)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    formset = RosterFormSet
    extra = 0
    autocomplete_fields = ["officer"]
    readonly_fields = ["assigned_by", "created_at"]


@admin.register(Shift)
class ShiftAdmin(OverlapRefusedMixin, admin.ModelAdmin):
    form = ShiftAdminForm
    list_display = [
        "plan",
        "night",
        "slot",
        "local_time",
        "precinct",
        "status",
        "reason",
        "locked",
        "version",
    ]
    list_filter = ["status", "reason", "locked", "plan", "precinct"]
    list_select_related = ["plan", "precinct"]
    search_fields = ["plan__code", "plan__name", "precinct__name", "reason_note"]
    autocomplete_fields = ["plan", "precinct", "substitute_for"]
    date_hierarchy = "start"
    readonly_fields = ["reason", "version", "created_at", "updated_at"]
    inlines = [AssignmentInline]
    list_per_page = 100

    def get_fieldsets(self, request, obj=None):
        fields = [f for f in self.get_fields(request, obj) if not f.startswith("over")]
        return [
            (None, {"fields": fields}),
            (_("Override"), {"fields": ["override_rules", "override_reason"]}),
        ]

    @admin.display(description=_("local time"), ordering="start")
    def local_time(self, shift):
        tz = shift.plan.tz
        start = timezone.localtime(shift.start, tz)
        end = timezone.localtime(shift.end, tz)
        return f"{start:%a %d %b %H:%M}–{end:%H:%M}"

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class WithOverride(form):
            def clean(self):
                cleaned = super().clean()
                setattr(self.instance, OVERRIDE, self.override())
                return cleaned

        return WithOverride

    def save_model(self, request, obj, form, change):
        # Saved with its roster in save_related(), by the service, in one go.
        pass

    def save_related(self, request, form, formsets, change):
        roster_set = next(f for f in formsets if isinstance(f, RosterFormSet))
        edit = shift_edits.save_edit(
            shift=form.instance,
            by=request.user,
            roster_lines=roster_set.lines(),
            changed=form.changed_data if change else (),
            override_reason=form.override(),
        )
        # What the admin's change message lists (the service did the saving).
        roster_set.new_objects = edit.added
        roster_set.changed_objects = [(a, ["role"]) for a in edit.changed]
        roster_set.deleted_objects = edit.removed


@admin.register(Assignment)
class AssignmentAdmin(OverlapRefusedMixin, admin.ModelAdmin):
    """Officers are added here or on their shift's page, and removed here, through
    the shift edit service; an existing assignment is changed on its shift's page."""

    form = AssignmentAdminForm
    list_display = ["officer", "role", "shift", "assigned_by", "created_at"]
    list_filter = ["role", "shift__plan", "officer__precinct"]
    list_select_related = ["officer", "shift__plan", "shift__precinct", "assigned_by"]
    search_fields = ["officer__name", "officer__nrp"]
    autocomplete_fields = ["shift", "officer"]
    readonly_fields = ["assigned_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Off a shift that is over or not scheduled only with an override, given
        # on the shift's page.
        closed = obj is not None and shift_edits.closed_reasons(obj.shift)
        return super().has_delete_permission(request, obj) and not closed

    def save_model(self, request, obj, form, change):
        edit = shift_edits.save_edit(
            shift=obj.shift,
            by=request.user,
            roster_lines=roster_with(obj.shift, obj.officer, obj.role),
            override_reason=form.override(),
        )
        obj.pk = edit.added[0].pk

    def delete_model(self, request, obj):
        self.delete_queryset(request, Assignment.objects.filter(pk=obj.pk))

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        # One edit per shift, so each shift is bumped and told of once.
        by_shift: dict[int, set[int]] = {}
        for shift_id, officer_id in queryset.values_list("shift_id", "officer_id"):
            by_shift.setdefault(shift_id, set()).add(officer_id)
        for shift in Shift.objects.filter(pk__in=by_shift).order_by("pk"):
            lines = shift_edits.lines_from(
                a
                for a in shift.assignments.select_related("officer")
                if a.officer_id not in by_shift[shift.pk]
            )
            shift_edits.save_edit(shift=shift, by=request.user, roster_lines=lines)


@admin.register(Blackout)
class BlackoutAdmin(ReadOnlyAdmin):
    """Read only: a blackout is asked for and decided on the Requests page or the
    API, through schedules.services.requests, because deciding one moves shifts
    (substitutes, repayment) and notifies; a status typed here would do neither."""

    list_display = [
        "precinct",
        "start",
        "end",
        "category",
        "reason",
        "status",
        "decided_by",
    ]
    list_filter = ["status", "category", "precinct"]
    list_select_related = ["precinct", "decided_by"]
    search_fields = ["precinct__name", "reason"]
    autocomplete_fields = ["precinct"]
    date_hierarchy = "start"
    readonly_fields = ["requested_by", "decided_by", "decided_at", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SwapRequest)
class SwapRequestAdmin(ReadOnlyAdmin):
    """Read only, as blackouts: a swap is decided through its service."""

    list_display = [
        "shift",
        "kind",
        "from_precinct",
        "to_precinct",
        "status",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    list_select_related = [
        "shift__plan",
        "shift__precinct",
        "from_precinct",
        "to_precinct",
    ]
    search_fields = ["from_precinct__name", "to_precinct__name", "note"]
    autocomplete_fields = ["shift", "counter_shift", "from_precinct", "to_precinct"]
    readonly_fields = ["requested_by", "decided_by", "decided_at", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShiftChange)
class ShiftChangeAdmin(ReadOnlyAdmin):
    list_display = ["shift", "fields", "detected_at"]
    list_select_related = ["shift__plan", "shift__precinct"]
    search_fields = ["shift__plan__code", "shift__plan__name"]
    date_hierarchy = "detected_at"


@admin.register(ShiftSnapshot)
class ShiftSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["shift", "taken_at"]
    list_select_related = ["shift__plan", "shift__precinct"]
    search_fields = ["shift__plan__code", "shift__plan__name"]


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    """Read only: versions are proposed, signed and refused on the plan's agreement
    page or the API (schedules.services.plan_versions)."""

    list_display = ["plan", "number", "status", "proposed_by", "created_at"]
    list_filter = ["status"]
    list_select_related = ["plan", "proposed_by"]
    search_fields = ["plan__code", "plan__name", "note"]


@admin.register(PlanSignature)
class PlanSignatureAdmin(ReadOnlyAdmin):
    list_display = ["version", "precinct", "decision", "signer_label", "signed_at"]
    list_filter = ["decision"]
    list_select_related = ["version__plan", "precinct"]
    search_fields = ["version__plan__code", "precinct__name", "reason"]
