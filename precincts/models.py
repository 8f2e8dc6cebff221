from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from precincts import geo

nrp_validator = RegexValidator(
    r"^\d{8}\Z", _("An NRP is exactly 8 digits."), code="invalid_nrp"
)
colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}\Z", _("Use a colour like #1f77b4."), code="invalid_colour"
)


class Command(models.Model):
    """A Polres: the district command over several precincts."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name = _("command (Polres)")
        verbose_name_plural = _("commands (Polres)")

    def __str__(self) -> str:
        return self.name


class Precinct(models.Model):
    """A Polsek: the unit that holds slots of a rotation and keeps a roster."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    command = models.ForeignKey(
        Command,
        on_delete=models.PROTECT,
        related_name="precincts",
        verbose_name=_("command"),
    )
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default="#1f77b4",
        validators=[colour_validator],
        help_text=_("Shown on timelines and calendars."),
    )
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)
    max_concurrent_posts = models.PositiveSmallIntegerField(
        _("posts held at once"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("How many shared posts this precinct can staff at the same time."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("precinct (Polsek)")
        verbose_name_plural = _("precincts (Polsek)")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_concurrent_posts__gte=1),
                name="precinct_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rank(models.TextChoices):
    """Ranks from lowest to highest; the order matters for sorting rosters."""

    BRIPDA = "bripda", "Bripda"
    BRIPTU = "briptu", "Briptu"
    BRIGPOL = "brigpol", "Brigpol"
    BRIPKA = "bripka", "Bripka"
    AIPDA = "aipda", "Aipda"
    AIPTU = "aiptu", "Aiptu"
    IPDA = "ipda", "Ipda"
    IPTU = "iptu", "Iptu"
    AKP = "akp", "AKP"
    KOMPOL = "kompol", "Kompol"
    AKBP = "akbp", "AKBP"
    KOMBES = "kombes", "Kombes"

    @classmethod
    def seniority(cls, value: str) -> int:
        return cls.values.index(value)


class Unit(models.TextChoices):
    SAMAPTA = "samapta", _("Samapta (Sabhara)")
    RESKRIM = "reskrim", _("Reskrim")
    INTELKAM = "intelkam", _("Intelkam")
    BINMAS = "binmas", _("Binmas")
    LANTAS = "lantas", _("Lantas")
    OTHER = "other", _("Other")


class OfficerQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def of_precinct(self, precinct):
        return self.filter(precinct=precinct)


class Officer(models.Model):
    nrp = models.CharField(
        _("NRP"),
        max_length=8,
        unique=True,
        validators=[nrp_validator],
        help_text=_("Personnel number: 8 digits."),
    )
    name = models.CharField(_("name"), max_length=120)
    rank = models.CharField(_("rank"), max_length=10, choices=Rank.choices)
    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.PROTECT,
        related_name="officers",
        verbose_name=_("precinct"),
    )
    unit = models.CharField(
        _("unit"), max_length=10, choices=Unit.choices, default=Unit.SAMAPTA
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="officer",
        verbose_name=_("login"),
    )

    objects = OfficerQuerySet.as_manager()

    class Meta:
        ordering = ["precinct__name", "name"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        constraints = [
            models.CheckConstraint(
                condition=Q(nrp__regex=r"^[0-9]{8}$"), name="officer_nrp_8_digits"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rank_display()} {self.name} ({self.nrp})"


class RiskLevel(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class Zone(models.Model):
    """A patrol area or post that several precincts share."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kelurahan = models.CharField(_("kelurahan"), max_length=80, blank=True)
    kecamatan = models.CharField(_("kecamatan"), max_length=80, blank=True)
    risk_level = models.CharField(
        _("risk level"),
        max_length=10,
        choices=RiskLevel.choices,
        default=RiskLevel.HIGH,
    )
    precincts = models.ManyToManyField(
        Precinct, related_name="zones", verbose_name=_("precincts sharing it")
    )
    geometry = models.JSONField(
        _("area (GeoJSON)"),
        null=True,
        blank=True,
        validators=[geo.validate_area],
        help_text=_("A GeoJSON Polygon or MultiPolygon, longitude first."),
    )
    post_location = models.JSONField(
        _("post location (GeoJSON)"),
        null=True,
        blank=True,
        validators=[geo.validate_point],
        help_text=_('A GeoJSON Point: {"type": "Point", "coordinates": [lng, lat]}.'),
    )
    # The post's printed QR code is signed with this number: raising it (admin
    # action "new QR code") makes every earlier print stop working.
    post_code_version = models.PositiveIntegerField(
        _("QR code version"), default=1, editable=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COMMANDER = "commander", _("commander")
    DUTY_OFFICER = "duty_officer", _("duty officer (piket)")
    OFFICER = "officer", _("officer")


class StaffProfile(models.Model):
    """Who a login is: a commander of a command or precinct, or precinct staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("login"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    command = models.ForeignKey(
        Command,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("command"),
        help_text=_("Only for a commander of a whole Polres."),
    )
    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("precinct"),
    )
    # The language the user last read the site in: notices are worded in it.
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            # A commander leads exactly one command or one precinct; everyone else
            # belongs to exactly one precinct.
            models.CheckConstraint(
                condition=(
                    Q(role="commander", command__isnull=False, precinct__isnull=True)
                    | Q(role="commander", command__isnull=True, precinct__isnull=False)
                    | Q(
                        role__in=["duty_officer", "officer"],
                        command__isnull=True,
                        precinct__isnull=False,
                    )
                ),
                name="staff_profile_scope_matches_role",
                violation_error_message=_(
                    "A commander needs either a command or a precinct; a duty officer "
                    "or an officer needs a precinct and no command."
                ),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.user} – {self.get_role_display()} ({self.command or self.precinct})"
        )
