import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notices import changes
from schedules.models import (
    Assignment,
    Blackout,
    PlanMember,
    Reason,
    RotationPlan,
    Shift,
    SwapRequest,
)
from schedules.services import generation, roster


class PlanMemberInline(admin.TabularInline):
    model = PlanMember
    extra = 0
    autocomplete_fields = ["precinct"]
    ordering = ["position"]


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


class AssignmentAdminForm(forms.ModelForm):
    """An officer is never on two overlapping live shifts, even by an
    administrator's hand (PostgreSQL refuses it too; this says why, on the form)."""

    def clean(self):
        cleaned = super().clean()
        # In the shift's inline, the shift is the parent form's edited instance.
        shift = cleaned.get("shift") or getattr(self.instance, "shift", None)
        officer = cleaned.get("officer")
        if (
            shift is not None
            and officer is not None
            and (busy := roster.clashes(shift, [officer]))
        ):
            self.add_error("officer", busy)
        return cleaned


class ShiftAdminForm(forms.ModelForm):
    """New times or a new status may not put a rostered officer on two
    overlapping live shifts."""

    def clean(self):
        cleaned = super().clean()
        moved = {"start", "end", "status"} & set(self.changed_data)
        if self.instance.pk and moved and not self.errors:
            # The instance gets the new values only after clean(); check a copy.
            edited = copy.copy(self.instance)
            for field in moved:
                setattr(edited, field, cleaned[field])
            officers = [
                a.officer for a in self.instance.assignments.select_related("officer")
            ]
            if busy := roster.clashes(edited, officers):
                raise ValidationError(busy)
        return cleaned


class OverlapRefusedMixin:
    """The last guard: a concurrent write that no form check could see makes the
    database's no-overlap constraint fire; say so instead of a server error."""

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except IntegrityError as error:
            if not roster.is_overlap_violation(error):
                raise
            self.message_user(
                request,
                gettext(
                    "Not saved: an officer would be on two overlapping shifts "
                    "(someone changed the schedule meanwhile). Check and try again."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())


class AssignmentInline(admin.TabularInline):
    model = Assignment
    form = AssignmentAdminForm
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
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [AssignmentInline]
    list_per_page = 100

    @admin.display(description=_("local time"), ordering="start")
    def local_time(self, shift):
        tz = shift.plan.tz
        start = timezone.localtime(shift.start, tz)
        end = timezone.localtime(shift.end, tz)
        return f"{start:%a %d %b %H:%M}–{end:%H:%M}"

    def save_model(self, request, obj, form, change):
        # A hand edit of who holds a shift or when is a manual decision: the
        # generator keeps it from now on and balances around it.
        if not change:
            obj.reason = Reason.MANUAL
        else:
            # The shift as stored before this save (and its inlines): what its
            # change notice compares with if it was never snapshotted.
            changes.snapshot_before_change([obj.pk])
            if form.changed_data:
                if {"precinct", "start", "end", "status"} & set(form.changed_data):
                    obj.reason = Reason.MANUAL
                obj.version = F("version") + 1
        super().save_model(request, obj, form, change)
        if change:
            obj.refresh_from_db(fields=["version"])
        # The people of the shift hear of it once the admin's transaction commits.
        changes.notify_after_commit([obj.pk])


@admin.register(Assignment)
class AssignmentAdmin(OverlapRefusedMixin, admin.ModelAdmin):
    form = AssignmentAdminForm
    list_display = ["officer", "role", "shift", "assigned_by", "created_at"]
    list_filter = ["role", "shift__plan", "officer__precinct"]
    list_select_related = ["officer", "shift__plan", "shift__precinct", "assigned_by"]
    search_fields = ["officer__name", "officer__nrp"]
    autocomplete_fields = ["shift", "officer"]
    readonly_fields = ["assigned_by", "created_at"]

    # A roster edited here is a change to its shift (two, when the officer moves
    # to another): snapshot what they were, and tell their people after the commit.
    def save_model(self, request, obj, form, change):
        shift_ids = {obj.shift_id}
        if change:
            shift_ids |= set(
                Assignment.objects.filter(pk=obj.pk).values_list("shift_id", flat=True)
            )
        changes.snapshot_before_change(shift_ids)
        super().save_model(request, obj, form, change)
        changes.notify_after_commit(shift_ids)

    def delete_model(self, request, obj):
        changes.snapshot_before_change([obj.shift_id])
        super().delete_model(request, obj)
        changes.notify_after_commit([obj.shift_id])

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        # The bulk delete action runs outside the admin's form transaction.
        shift_ids = set(queryset.values_list("shift_id", flat=True))
        changes.snapshot_before_change(shift_ids)
        super().delete_queryset(request, queryset)
        changes.notify_after_commit(shift_ids)


@admin.register(Blackout)
class BlackoutAdmin(admin.ModelAdmin):
    list_display = ["precinct", "start", "end", "reason", "status", "decided_by"]
    list_filter = ["status", "precinct"]
    list_select_related = ["precinct", "decided_by"]
    search_fields = ["precinct__name", "reason"]
    autocomplete_fields = ["precinct"]
    date_hierarchy = "start"
    readonly_fields = ["requested_by", "decided_by", "decided_at", "created_at"]


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin):
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
