import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from precincts.models import Officer, Precinct, Zone
from schedules import nights


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone (e.g. Asia/Jakarta)."),
            params={"value": value},
        )


class Strategy(models.TextChoices):
    ROTATION = "rotation", _("rotate slots every night")
    BLOCK = "block", _("one precinct holds the whole night, in turn")


class RotationPlan(models.Model):
    """How a zone's nightly window is cut into slots and shared by its precincts."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=160)
    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, related_name="plans", verbose_name=_("zone")
    )
    members = models.ManyToManyField(
        Precinct,
        through="PlanMember",
        related_name="plans",
        verbose_name=_("member precincts"),
    )
    window_start = models.TimeField(_("window starts"), default=dt.time(0, 0))
    window_end = models.TimeField(
        _("window ends"),
        default=dt.time(5, 0),
        help_text=_("An end at or before the start means the window crosses midnight."),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(24 * 60)],
    )
    min_officers = models.PositiveSmallIntegerField(
        _("minimum officers per slot"), default=4, validators=[MinValueValidator(1)]
    )
    rest_hours = models.PositiveSmallIntegerField(
        _("rest hours between an officer's shifts"),
        default=8,
        validators=[MaxValueValidator(72)],
    )
    valid_from = models.DateField(
        _("valid from (duty night)"),
        help_text=_("The first duty night; the rotation counts its turns from here."),
    )
    valid_until = models.DateField(_("valid until (duty night)"), null=True, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Asia/Jakarta",
        validators=[validate_time_zone],
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("rolling horizon (nights)"),
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    strategy = models.CharField(
        _("strategy"),
        max_length=10,
        choices=Strategy.choices,
        default=Strategy.ROTATION,
    )
    active = models.BooleanField(_("active"), default=True)
    # A digest of everything the last generation read (see schedules.services); a
    # regeneration whose inputs hash the same has nothing to change.
    generation_key = models.CharField(
        _("last generation inputs"), max_length=64, blank=True, editable=False
    )
    checkin_grace_minutes = models.PositiveSmallIntegerField(
        _("check-in grace (minutes)"),
        default=30,
        help_text=_("How early before and late after a shift an officer may check in."),
    )
    empty_post_minutes = models.PositiveSmallIntegerField(
        _("post empty after (minutes)"), default=15
    )
    reminder_time = models.TimeField(_("roster reminder at"), default=dt.time(20, 0))
    morning_report_time = models.TimeField(
        _("morning report at"), default=dt.time(5, 30)
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("rotation plan")
        verbose_name_plural = _("rotation plans")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_until__gte=F("valid_from")),
                name="plan_valid_until_after_from",
                violation_error_message=_("The plan must end on or after its start."),
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=15), name="plan_slot_at_least_15_minutes"
            ),
            models.CheckConstraint(
                condition=Q(min_officers__gte=1), name="plan_min_officers_positive"
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1), name="plan_horizon_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def window_minutes(self) -> int:
        return nights.window_minutes(self.window_start, self.window_end)

    @property
    def slot_count(self) -> int:
        return self.window_minutes // self.slot_minutes

    def clean(self) -> None:
        errors = {}
        if self.window_start is not None and self.window_end is not None:
            total = self.window_minutes
            if self.slot_minutes and total % self.slot_minutes:
                errors["slot_minutes"] = _(
                    "The slot length must divide the window: %(window)s minutes do "
                    "not split into %(slot)s-minute slots."
                ) % {"window": total, "slot": self.slot_minutes}
        if errors:
            raise ValidationError(errors)


class PlanMember(models.Model):
    """A precinct's place in a plan's rotation order."""

    plan = models.ForeignKey(
        RotationPlan,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("plan"),
    )
    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.PROTECT,
        related_name="plan_memberships",
        verbose_name=_("precinct"),
    )
    position = models.PositiveSmallIntegerField(_("position in the rotation"))

    class Meta:
        ordering = ["plan", "position"]
        verbose_name = _("plan member")
        verbose_name_plural = _("plan members")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "position"], name="plan_member_position_unique"
            ),
            models.UniqueConstraint(
                fields=["plan", "precinct"], name="plan_member_precinct_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.precinct}"

    def clean(self) -> None:
        if (
            self.plan_id
            and self.precinct_id
            and not self.plan.zone.precincts.filter(pk=self.precinct_id).exists()
        ):
            raise ValidationError(
                {
                    "precinct": _(
                        "%(precinct)s does not share the zone %(zone)s; add it to the "
                        "zone first."
                    )
                    % {"precinct": self.precinct, "zone": self.plan.zone}
                }
            )


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


class ShiftQuerySet(models.QuerySet):
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


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class BlackoutQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=RequestStatus.APPROVED)

    def overlapping(self, start: dt.datetime, end: dt.datetime):
        return self.filter(start__lt=end, end__gt=start)


class Request(models.Model):
    """What blackouts and swaps share: asked by someone, decided by a commander."""

    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        abstract = True


class Blackout(Request):
    """A precinct cannot serve between two instants."""

    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.CASCADE,
        related_name="blackouts",
        verbose_name=_("precinct"),
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=255)

    objects = BlackoutQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        verbose_name = _("blackout")
        verbose_name_plural = _("blackouts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")),
                name="blackout_end_after_start",
                violation_error_message=_("A blackout must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.precinct}: {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"
        )


class SwapKind(models.TextChoices):
    GIVE = "give", _("hand over")
    TRADE = "trade", _("trade")


class SwapRequest(Request):
    """A precinct asks to hand a shift to, or trade it with, another member."""

    shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        related_name="swap_requests",
        verbose_name=_("shift"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=SwapKind.choices, default=SwapKind.GIVE
    )
    from_precinct = models.ForeignKey(
        Precinct,
        on_delete=models.CASCADE,
        related_name="swaps_requested",
        verbose_name=_("from precinct"),
    )
    to_precinct = models.ForeignKey(
        Precinct,
        on_delete=models.CASCADE,
        related_name="swaps_offered",
        verbose_name=_("to precinct"),
    )
    counter_shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="counter_swap_requests",
        verbose_name=_("shift taken in return"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_precinct=F("to_precinct")),
                name="swap_between_two_precincts",
                violation_error_message=_("A swap needs two different precincts."),
            ),
            # A trade names the shift taken in return; a hand-over does not.
            models.CheckConstraint(
                condition=Q(kind="trade", counter_shift__isnull=False)
                | Q(kind="give", counter_shift__isnull=True),
                name="swap_counter_shift_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["shift"],
                condition=Q(status="pending"),
                name="swap_one_pending_per_shift",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift}: {self.from_precinct} → {self.to_precinct}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.PENDING
