"""What the people of a shift were last told of it, and each change since.

schedules.changes keeps them: a snapshot per shift, a ShiftChange per change found;
notices turns a ShiftChange into notifications. The tables were notices' until the
detection moved here (schedules migration 0005 renamed them).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from schedules.models.shifts import Shift
from schedules.positions import PositionedQuerySet


class ShiftSnapshot(models.Model):
    """The last state of a shift that its people were told about."""

    shift = models.OneToOneField(
        Shift,
        on_delete=models.CASCADE,
        related_name="notice_snapshot",
        verbose_name=_("shift"),
    )
    state = models.JSONField(_("state"))
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("shift snapshot")
        verbose_name_plural = _("shift snapshots")

    def __str__(self) -> str:
        return str(self.shift)


class ShiftChange(models.Model):
    """One noticed change to an upcoming shift: what it was before and after."""

    shift = models.ForeignKey(
        Shift,
        on_delete=models.CASCADE,
        related_name="notice_changes",
        verbose_name=_("shift"),
    )
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    fields = models.JSONField(
        _("what changed"), help_text=_("holder, times, roster, status")
    )
    detected_at = models.DateTimeField(_("detected at"))

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("shift change")
        verbose_name_plural = _("shift changes")

    def __str__(self) -> str:
        return f"{self.shift}: {', '.join(self.fields)}"


class ShiftDeparture(models.Model):
    """A shift that left its holder: handed to another precinct, left uncovered
    or deleted. Written by a database trigger (schedules.positions), so mirrors
    filtered by precinct and the old holder's feed learn the shift went."""

    # Not foreign keys: the shift, and even its plan, may be gone.
    shift_id = models.BigIntegerField(_("shift"), db_index=True)
    plan_id = models.BigIntegerField(_("plan"))
    precinct = models.ForeignKey(
        "precincts.Precinct",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("precinct it left"),
    )
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    version = models.PositiveIntegerField(_("version it left at"))
    change_tx = models.BigIntegerField(_("change position"))
    departed_at = models.DateTimeField(_("left at"))

    objects = PositionedQuerySet.as_manager()

    class Meta:
        ordering = ["change_tx", "id"]
        verbose_name = _("shift departure")
        verbose_name_plural = _("shift departures")
        indexes = [
            models.Index(
                fields=["precinct", "change_tx", "id"], name="departure_position"
            ),
            models.Index(fields=["precinct", "departed_at"], name="departure_recent"),
        ]

    def __str__(self) -> str:
        return f"shift {self.shift_id} left {self.precinct_id}"
