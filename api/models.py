"""API keys for other systems and the secret tokens that open calendar feeds.

Neither secret is stored: only its SHA-256 digest. Both are long random strings,
so a fast digest is enough (a slow password hash would cost every request) and
the plain secret is shown once, when it is created.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.keys import KEY_PREFIX, key_prefix
from precincts.models import Command, Precinct


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Scope(models.TextChoices):
    """Each scope includes the ones before it."""

    READ = "read", _("read schedules")
    READ_PERSONNEL = "read+personnel", _("read schedules and personnel")
    WRITE = "write", _("read and edit rosters")


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return (
            self.filter(revoked_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .filter(Q(created_by__isnull=True) | Q(created_by__is_active=True))
        )


class ApiKey(models.Model):
    """A key another system sends as `Authorization: Bearer <key>`."""

    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(
        _("prefix"),
        max_length=16,
        unique=True,
        editable=False,
        help_text=_("The public start of the key, to recognise it in logs."),
    )
    key_hash = models.CharField(_("key digest"), max_length=64, editable=False)
    scope = models.CharField(
        _("scope"), max_length=20, choices=Scope.choices, default=Scope.READ
    )
    precinct = models.ForeignKey(
        Precinct,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("only for precinct"),
    )
    command = models.ForeignKey(
        Command,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        verbose_name=_("only for command"),
        help_text=_("Leave both restrictions empty for a key that sees everything."),
    )
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=600,
        validators=[MinValueValidator(1)],
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        constraints = [
            models.CheckConstraint(
                condition=Q(precinct__isnull=True) | Q(command__isnull=True),
                name="api_key_one_restriction",
                violation_error_message=_(
                    "Restrict a key to a precinct or to a command, not both."
                ),
            ),
            models.CheckConstraint(
                condition=Q(rate_per_minute__gte=1), name="api_key_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def has_personnel(self) -> bool:
        return self.scope in (Scope.READ_PERSONNEL, Scope.WRITE)

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE

    def is_usable(self, now=None) -> bool:
        """Not revoked, not expired, and its creator (if any) still active: a key
        answers for the person who made it (select_related("created_by"))."""
        now = now or timezone.now()
        return (
            self.revoked_at is None
            and (self.expires_at is None or self.expires_at > now)
            and (self.created_by is None or self.created_by.is_active)
        )

    def set_new_secret(self) -> str:
        """Give the key a fresh secret and return it: the only time it is seen."""
        self.prefix = secrets.token_hex(6)
        secret = f"{KEY_PREFIX}_{self.prefix}_{secrets.token_urlsafe(32)}"
        self.key_hash = digest(secret)
        return secret

    def matches(self, secret: str) -> bool:
        return hmac.compare_digest(self.key_hash, digest(secret))

    prefix_of = staticmethod(key_prefix)


class FeedToken(models.Model):
    """A secret in a calendar feed URL, for one user or one API key."""

    name = models.CharField(_("name"), max_length=120, blank=True)
    token_hash = models.CharField(
        _("token digest"), max_length=64, unique=True, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feed_tokens",
        verbose_name=_("user"),
    )
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feed_tokens",
        verbose_name=_("API key"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, api_key__isnull=True)
                | Q(user__isnull=True, api_key__isnull=False),
                name="feed_token_one_owner",
                violation_error_message=_(
                    "A feed token belongs to a user or to an API key."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.user or self.api_key} feed"

    def set_new_secret(self) -> str:
        secret = secrets.token_urlsafe(32)
        self.token_hash = digest(secret)
        return secret
