"""Creating and revoking API keys and feed tokens (admin and API call these)."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from api.models import ApiKey, FeedToken


@transaction.atomic
def create_api_key(*, key: ApiKey, by: User | None) -> str:
    """Save a new key and return its secret, which is never shown again."""
    secret = key.set_new_secret()
    key.created_by = by
    key.full_clean(exclude=["prefix", "key_hash", "created_by"])
    key.save()
    return secret


@transaction.atomic
def revoke_api_key(*, key: ApiKey) -> ApiKey:
    """Stop a key at once; its feed tokens stop with it."""
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
    key.feed_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
    key.refresh_from_db()
    return key


@transaction.atomic
def create_feed_token(
    *, user: User | None = None, api_key: ApiKey | None = None, name: str = ""
) -> tuple[FeedToken, str]:
    """A new feed token for a user or a key, with its secret (shown once)."""
    token = FeedToken(user=user, api_key=api_key, name=name[:120])
    secret = token.set_new_secret()
    token.save()
    return token, secret


@transaction.atomic
def revoke_feed_token(*, token: FeedToken) -> FeedToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
