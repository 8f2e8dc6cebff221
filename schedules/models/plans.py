"""Rotation plans and their member precincts."""

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from precincts.models import Precinct, Zone
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
    escalation_hours = models.PositiveSmallIntegerField(
        _("escalate undecided requests (hours before the shift)"),
        default=12,
        validators=[MaxValueValidator(24 * 14)],
        help_text=_(
            "A blackout or swap still undecided this long before its shift goes to "
            "the Polres commanders of both sides."
        ),
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
