"""Shifts, the officers on them, and what their people were last told."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from precincts.models import Officer, Precinct
from schedules.models.plans import RotationPlan
from schedules.positions import PositionedQuerySet


class ShiftStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    UNCOVERED = "uncovered", _("uncovered")
    CANCELLED = "cancelled", _("cancelled")


class Reason(models.TextChoices):
    ROTATION = "rotation", _("rotation turn")
    SUBSTITUTE = "substitute", _("substitute")
    REPAYMENT = "repayment", _("repayment")
    SWAP = "swap", _("swap")
    MANUAL = "manual", _("manual edit")


class ShiftQuerySet(PositionedQuerySet):
    def on_night(self, night: dt.date):
        return self.filter(night=night)

    def between_nights(self, first: dt.date, last: dt.date):
        return self.filter(night__gte=first, night__lte=last)

    def for_precinct(self, precinct):
        return self.filter(precinct=precinct)

    def live(self):
        """Shifts that are on the schedule (not cancelled)."""
        return self.exclude(status=ShiftStatus.CANCELLED)

    def overlapping(self, start: dt.datetime, end: dt.datetime):
        return self.filter(start__lt=end, end__gt=start)


class Shift(models.Model):
    """One slot of one duty night of a plan, held by one precinct."""

    plan = models.ForeignKey(
        RotationPlan,
        on_delete=models.CASCADE,
        related_name="shifts",
        verbose_name=_("plan"),
    )
    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("precinct"),
    )
    night = models.DateField(_("duty night"))
    slot = models.PositiveSmallIntegerField(_("slot"))
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ShiftStatus.choices,
        default=ShiftStatus.SCHEDULED,
    )
    locked = models.BooleanField(
        _("locked"),
        default=False,
        help_text=_("A locked shift is never changed by regeneration."),
    )
    reason = models.CharField(
        _("reason"), max_length=12, choices=Reason.choices, default=Reason.ROTATION
    )
    substitute_for = models.ForeignKey(
        Precinct,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("in place of"),
    )
    reason_note = models.CharField(_("why"), max_length=255, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    # Set by the database on every write of the shift or its roster (schedules.
    # positions): the writing transaction's id on PostgreSQL, a counter on SQLite.
    change_tx = models.BigIntegerField(
        _("change position"),
        default=0,
        editable=False,
        help_text=_("Where the shift's last change sits in the order of changes."),
    )

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["start", "plan_id"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            # A cancelled slot may share its hour with the live one that replaced
            # it (a plan's window moved or shrank).
            models.UniqueConstraint(
                fields=["plan", "start"],
                condition=~Q(status="cancelled"),
                name="shift_one_holder_per_plan_slot",
            ),
            models.UniqueConstraint(
                fields=["plan", "night", "slot"], name="shift_unique_night_slot"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="shift_end_after_start",
                violation_error_message=_("A shift must end after it starts."),
            ),
            # An uncovered slot has no holder; every other shift has one.
            models.CheckConstraint(
                condition=Q(status="uncovered", precinct__isnull=True)
                | (~Q(status="uncovered") & Q(precinct__isnull=False)),
                name="shift_holder_unless_uncovered",
            ),
        ]
        indexes = [
            models.Index(fields=["night", "plan"], name="shift_night_plan"),
            models.Index(fields=["precinct", "start"], name="shift_precinct_start"),
            models.Index(fields=["updated_at", "id"], name="shift_sync_cursor"),
            models.Index(fields=["change_tx", "id"], name="shift_change_position"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start, self.plan.tz)
        holder = self.precinct or _("uncovered")
        return f"{self.plan.code} {local:%Y-%m-%d %H:%M} {holder}"

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def is_frozen(self, now: dt.datetime) -> bool:
        """Regeneration must keep this shift as it is."""
        return (
            self.start <= now
            or self.locked
            or self.reason in (Reason.MANUAL, Reason.SWAP)
        )


class AssignmentRole(models.TextChoices):
    LEADER = "leader", _("leader")
    MEMBER = "member", _("member")


class Assignment(models.Model):
    """An officer on a shift."""

    shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("shift"),
    )
    officer = models.ForeignKey(
        Officer,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("officer"),
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=AssignmentRole.choices,
        default=AssignmentRole.MEMBER,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        ordering = ["shift", "role", "officer__name"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "officer"], name="assignment_officer_once_per_shift"
            ),
            models.UniqueConstraint(
                fields=["shift"],
                condition=Q(role="leader"),
                name="assignment_one_leader_per_shift",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} @ {self.shift}"
