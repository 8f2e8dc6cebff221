"""Tasks on their way to the broker, and runs of tracked tasks on a worker."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboxMessage(models.Model):
    """One task to send, written in the transaction of the change that needs it."""

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    # Message headers to send with it (the audit context of the request).
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    task_id = models.UUIDField(_("task id"), default=uuid.uuid4, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MessageStatus.choices,
        default=MessageStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The drain reads only pending rows, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="outbox_pending_by_age",
            ),
            models.Index(fields=["status", "created_at"], name="outbox_status_age"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}]"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    REQUEUED = "requeued", _("sent again")
    RETRYING = "retrying", _("retrying")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    LOST = "lost", _("lost (gave up)")


class TaskRun(models.Model):
    """The run of a tracked task on a worker, with its heartbeat.

    A run whose heartbeat stops, or whose worker came back under the same name as a
    new process, died with its worker: it is sent again at once instead of after
    the broker's visibility timeout.
    """

    task_id = models.UUIDField(_("task id"), unique=True)
    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, db_index=True
    )
    # The worker's node name and one id per worker process start.
    node = models.CharField(_("worker"), max_length=200, blank=True)
    boot = models.CharField(_("worker start"), max_length=32, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    recoveries = models.PositiveIntegerField(_("times sent again"), default=0)
    started_at = models.DateTimeField(_("started"))
    heartbeat_at = models.DateTimeField(_("last heartbeat"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("task run")
        verbose_name_plural = _("task runs")

    def __str__(self) -> str:
        return f"{self.task_name}[{self.task_id}]"
