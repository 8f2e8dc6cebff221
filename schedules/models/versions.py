"""Versions of a plan's rules, signed by every member precinct before they apply."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from precincts.models import Precinct
from schedules.models.plans import RotationPlan


class VersionStatus(models.TextChoices):
    PROPOSED = "proposed", _("awaiting signatures")
    IN_FORCE = "in_force", _("in force")
    REFUSED = "refused", _("refused")
    SUPERSEDED = "superseded", _("superseded")


class PlanVersion(models.Model):
    """A proposed set of a plan's rules; it takes effect when every member
    precinct (of the plan and of the version) has signed it."""

    plan = models.ForeignKey(
        RotationPlan,
        on_delete=models.CASCADE,
        related_name="versions",
        verbose_name=_("plan"),
    )
    number = models.PositiveIntegerField(_("version"))
    # The rules as schedules.services.plan_versions.RULE_FIELDS, members by id in
    # their rotation order: what every signature is a signature of.
    rules = models.JSONField(_("rules"))
    note = models.CharField(_("what changes and why"), max_length=255, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=VersionStatus.choices,
        default=VersionStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="plan_version_number_unique"
            ),
            # One proposal at a time: signatures are of one text.
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status="proposed"),
                name="plan_version_one_proposed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


class SignatureDecision(models.TextChoices):
    SIGNED = "signed", _("signed")
    REFUSED = "refused", _("refused")


class PlanSignature(models.Model):
    """One member precinct's answer to a plan version, by its commander (or the
    commander of its Polres)."""

    version = models.ForeignKey(
        PlanVersion,
        on_delete=models.CASCADE,
        related_name="signatures",
        verbose_name=_("version"),
    )
    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.PROTECT,
        related_name="plan_signatures",
        verbose_name=_("precinct"),
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=SignatureDecision.choices
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The signer as they were (name, rank), for the printed agreement.
    signer_label = models.CharField(_("signer"), max_length=200, blank=True)
    signed_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["version", "signed_at"]
        verbose_name = _("plan signature")
        verbose_name_plural = _("plan signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "precinct"], name="plan_signature_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.precinct} {self.decision}"
