"""`Authorization: Bearer <key>` for other systems; sessions stay for the browser."""

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.models import ApiKey

# last_used_at is written at most this often, so reads stay reads.
TOUCH_EVERY = dt.timedelta(minutes=1)


class ApiKeyUser(AnonymousUser):
    """request.user for a key: authenticated, but with no staff profile and not
    active, so any access helper asked about it as a person answers "nothing"."""

    def __init__(self, key: ApiKey):
        self.key = key

    def __str__(self) -> str:
        return f"API key {self.key}"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the key as: Authorization: Bearer <key>.")
            )
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        prefix = ApiKey.prefix_of(secret)
        key = ApiKey.objects.filter(prefix=prefix).first() if prefix else None
        if key is None or not key.matches(secret):
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        now = timezone.now()
        if not key.is_usable(now):
            raise exceptions.AuthenticationFailed(
                _("This API key has expired or was revoked.")
            )
        if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return ApiKeyUser(key), key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403.
        return f'{self.keyword} realm="api"'
