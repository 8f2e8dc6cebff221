from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from precincts.models import Officer
from schedules.models import Shift

# No location, or both halves in range. Explicit about NULLs: a NULL half would make
# the range test unknown, and a CHECK passes on unknown.
VALID_LOCATION = Q(latitude__isnull=True, longitude__isnull=True) | Q(
    latitude__isnull=False,
    longitude__isnull=False,
    latitude__gte=-90,
    latitude__lte=90,
    longitude__gte=-180,
    longitude__lte=180,
)


class CheckInKind(models.TextChoices):
    ARRIVE = "arrive", _("arrived at the post")
    LEAVE = "leave", _("left the post")


class CheckIn(models.Model):
    """An officer arrives at or leaves the post during a shift."""

    shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("shift"),
    )
    officer = models.ForeignKey(
        Officer,
        on_delete=models.PROTECT,
        related_name="checkins",
        verbose_name=_("officer"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CheckInKind.choices)
    at = models.DateTimeField(_("at"))
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    accuracy_m = models.PositiveIntegerField(
        _("location accuracy (m)"), null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    on_behalf = models.BooleanField(
        _("recorded by the duty officer"),
        default=False,
        help_text=_("For an officer without a phone."),
    )
    at_post = models.BooleanField(
        _("scanned at the post"),
        default=False,
        help_text=_("Made from the post's QR code."),
    )
    # Made offline on the phone and sent when the signal returned: `at` is when it
    # was made, `created_at` when it arrived; the key makes a resend count once.
    client_key = models.UUIDField(_("key from the phone"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["shift", "at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "client_key"], name="checkin_client_key_once"
            ),
            models.CheckConstraint(
                condition=VALID_LOCATION,
                name="checkin_location_valid",
                violation_error_message=_(
                    "A location needs both latitude and longitude, in range."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")


class PatrolReport(models.Model):
    """What happened on one shift: who was there, and a summary."""

    shift = models.OneToOneField(
        Shift, on_delete=models.CASCADE, related_name="report", verbose_name=_("shift")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    present = models.ManyToManyField(
        Officer, related_name="reports", blank=True, verbose_name=_("present")
    )
    started_at = models.DateTimeField(_("patrol started"))
    ended_at = models.DateTimeField(_("patrol ended"))
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReportStatus.choices,
        default=ReportStatus.SUBMITTED,
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("patrol report")
        verbose_name_plural = _("patrol reports")
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gt=F("started_at")),
                name="report_end_after_start",
                violation_error_message=_("A patrol must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged") | Q(acknowledged_at__isnull=False),
                name="report_acknowledged_has_time",
            ),
        ]

    def __str__(self) -> str:
        return _("Report on %(shift)s") % {"shift": self.shift}


class IncidentCategory(models.TextChoices):
    BRAWL_PREVENTED = "brawl_prevented", _("brawl prevented")
    BRAWL = "brawl", _("brawl")
    CROWD_DISPERSED = "crowd_dispersed", _("crowd dispersed")
    WEAPON_SEIZED = "weapon_seized", _("weapon seized")
    ARREST = "arrest", _("arrest")
    OTHER = "other", _("other")


class Incident(models.Model):
    report = models.ForeignKey(
        PatrolReport,
        on_delete=models.CASCADE,
        related_name="incidents",
        verbose_name=_("report"),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=IncidentCategory.choices
    )
    occurred_at = models.DateTimeField(_("when"))
    people_involved = models.PositiveIntegerField(_("people involved"), default=0)
    weapons_seized = models.PositiveIntegerField(_("weapons seized"), default=0)
    description = models.TextField(_("what happened"), blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # What a report's author writes about an incident, and what a correction may
    # change (the API shows the same fields).
    CONTENT_FIELDS = (
        "category",
        "occurred_at",
        "people_involved",
        "weapons_seized",
        "description",
        "latitude",
        "longitude",
    )

    class Meta:
        ordering = ["occurred_at"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = [
            models.CheckConstraint(
                condition=VALID_LOCATION,
                name="incident_location_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


class RevisionAction(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    CORRECTED = "corrected", _("corrected")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")


class ReportRevision(models.Model):
    """One version of a patrol report: every submission, correction and
    acknowledgement is kept with the full content as it stood after it."""

    report = models.ForeignKey(
        PatrolReport,
        on_delete=models.CASCADE,
        related_name="revisions",
        verbose_name=_("report"),
    )
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(
        _("action"), max_length=12, choices=RevisionAction.choices
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"))
    changes = models.JSONField(
        _("what changed"), default=dict, help_text=_("field: [before, after]")
    )
    snapshot = models.JSONField(_("content after the change"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["report", "version"]
        verbose_name = _("report revision")
        verbose_name_plural = _("report revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "version"], name="report_revision_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.version} ({self.get_action_display()})"


class MorningReport(models.Model):
    """The stored summary of one plan's duty night, sent to the commanders."""

    plan = models.ForeignKey(
        "schedules.RotationPlan",
        on_delete=models.CASCADE,
        related_name="morning_reports",
        verbose_name=_("plan"),
    )
    night = models.DateField(_("duty night"))
    generated_at = models.DateTimeField(_("generated at"))
    data = models.JSONField(
        _("contents"),
        help_text=_(
            "Slots and holders, check-in punctuality, empty posts, incidents and "
            "missing reports."
        ),
    )
    slot_count = models.PositiveSmallIntegerField(_("slots"), default=0)
    empty_post_count = models.PositiveSmallIntegerField(_("empty posts"), default=0)
    late_count = models.PositiveSmallIntegerField(_("late arrivals"), default=0)
    absent_count = models.PositiveSmallIntegerField(_("absent officers"), default=0)
    incident_count = models.PositiveSmallIntegerField(_("incidents"), default=0)
    missing_report_count = models.PositiveSmallIntegerField(
        _("missing reports"), default=0
    )

    class Meta:
        ordering = ["-night", "plan"]
        verbose_name = _("morning report")
        verbose_name_plural = _("morning reports")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "night"], name="morning_report_once_per_night"
            ),
        ]

    def __str__(self) -> str:
        return _("Morning report %(plan)s, night of %(night)s") % {
            "plan": self.plan.code,
            "night": self.night,
        }
