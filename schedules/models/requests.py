"""Requests a precinct makes of its commander: blackouts and swaps."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from precincts.models import Precinct
from schedules.models.shifts import Shift


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    # Still undecided when its shift started: never applied late.
    EXPIRED = "expired", _("expired")


class BlackoutCategory(models.TextChoices):
    """What keeps a precinct away, as partner precincts may see it; the reason
    (free text) stays with the precinct and its commanders."""

    OPERATION = "operation", _("police operation")
    EVENT = "event", _("event security")
    TRAINING = "training", _("training or ceremony")
    SHORTAGE = "shortage", _("too few officers")
    OTHER = "other", _("other")


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
    decision_note = models.CharField(_("decision note"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # What the approval moved: [{"shift", "night", "slot", "from", "to", "why"}],
    # kept so the request's page and each precinct's notice name the same shifts.
    moved = models.JSONField(_("shifts moved"), default=list, blank=True)
    # A commander's reason for approving past a precinct-night staffing limit.
    override_note = models.CharField(_("staffing override"), max_length=255, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

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
    category = models.CharField(
        _("category"),
        max_length=20,
        choices=BlackoutCategory.choices,
        default=BlackoutCategory.OTHER,
        help_text=_("What partner precincts see; the reason is for your own."),
    )
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
    # Two sides decide a swap, in either order: the receiving precinct accepts
    # (its duty officer or commander), the asking precinct's commander approves.
    # It is carried out (status approved) when both have.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    acceptance_note = models.CharField(_("acceptance note"), max_length=255, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_note = models.CharField(_("approval note"), max_length=255, blank=True)

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

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_approved_by_asker(self) -> bool:
        return self.approved_at is not None
