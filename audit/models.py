from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    GENERATE = "generate", _("generated shifts")
    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")
    LOGIN_FAILED = "login_failed", _("failed login")
    LOCKOUT = "lockout", _("login locked")
    UNLOCK = "unlock", _("login unlocked")
    SESSION_EXPIRED = "session_expired", _("session expired")
    DENIED = "denied", _("access refused")
    EXPORT = "export", _("exported")
    MFA_ENROLLED = "mfa_enrolled", _("two-factor login set up")
    MFA_VERIFIED = "mfa_verified", _("two-factor code accepted")
    MFA_FAILED = "mfa_failed", _("wrong two-factor code")
    RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
    RECOVERY_CODES_NEW = "recovery_codes_new", _("new recovery codes")
    MFA_REMOVED = "mfa_removed", _("two-factor login removed")
    MFA_RESET = "mfa_reset", _("two-factor login reset by an administrator")
    OVERRIDE = "override", _("roster rule overridden by an administrator")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("success")
    FAILURE = "failure", _("failure")
    DENIED = "denied", _("denied")


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, obj: models.Model):
        return self.filter(object_type=object_type_of(obj), object_id=str(obj.pk))


def object_type_of(obj_or_model) -> str:
    return obj_or_model._meta.label_lower


class AuditEvent(models.Model):
    """One thing that happened, as it was at the time: never changed or deleted.

    Actor, key and object are plain values, not foreign keys: a row must outlive
    the user, key or shift it names, and deleting them must not touch it.
    """

    at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True)
    actor_label = models.CharField(_("who"), max_length=150, blank=True)
    api_key_id = models.BigIntegerField(_("API key id"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(
        _("before"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    after = models.JSONField(
        _("after"), null=True, blank=True, encoder=DjangoJSONEncoder
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(
                fields=["object_type", "object_id", "at"], name="audit_object_at"
            ),
            models.Index(fields=["actor_id", "at"], name="audit_actor_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            # The parts of a shift or report (audit.selectors): found by the
            # parent key their create or move recorded.
            models.Index(
                F("object_type"),
                KeyTransform("shift_id", "after"),
                name="audit_after_shift",
            ),
            models.Index(
                F("object_type"),
                KeyTransform("report_id", "after"),
                name="audit_after_report",
            ),
        ]

    def __str__(self) -> str:
        target = self.object_label or self.object_type
        who = self.actor_label or "-"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {target}"
