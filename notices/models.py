from django.apps import apps
from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from precincts.models import Precinct
from schedules.models import RotationPlan


class NotificationKind(models.TextChoices):
    SHIFT_CHANGED = "shift_changed", _("shift changed")
    ROSTER_SHORT = "roster_short", _("roster short tonight")
    SHIFT_REMINDER = "shift_reminder", _("shift reminder")
    MORNING_REPORT = "morning_report", _("morning report")
    REQUEST_PENDING = "request_pending", _("request awaiting a decision")
    REQUEST_DECIDED = "request_decided", _("request decided")
    REQUEST_ESCALATED = "request_escalated", _("request escalated")
    REQUEST_EXPIRED = "request_expired", _("request expired")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one user; sent by e-mail and webhooks once, shown in the app."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    plan = models.ForeignKey(
        RotationPlan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("plan"),
    )
    night = models.DateField(_("duty night"), null=True, blank=True)
    # The object the notice is about (a shift change, a morning report, a shift),
    # named by its model label: no content-type row ids, which differ per database.
    target_model = models.CharField(_("about (model)"), max_length=60, blank=True)
    target_id = models.PositiveBigIntegerField(_("about (id)"), null=True, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # Who, what and which night: a task that runs twice finds the key and sends nothing.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def target(self) -> models.Model | None:
        """The object the notice is about, if it still exists."""
        if not self.target_model or self.target_id is None:
            return None
        model = apps.get_model(self.target_model)
        return model.objects.filter(pk=self.target_id).first()


class Webhook(models.Model):
    """An outbound endpoint (a messaging gateway) that receives signed notifications."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(
        _("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        help_text=_(
            "Shared with the receiver: each body is signed with HMAC-SHA256 in the "
            "X-Giliran-Signature header."
        ),
    )
    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("precinct"),
        help_text=_("Only notices to this precinct's staff; empty for all notices."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One notification posted to one webhook, with its attempts."""

    webhook = models.ForeignKey(
        Webhook,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("webhook"),
    )
    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(
        _("last response code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # Set while an attempt is posting: a second copy of the task (a redelivered
    # message, a retry that overlaps) finds it claimed and does not post again.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "notification"], name="webhook_delivery_once"
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="webhook_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notification} → {self.webhook}"
