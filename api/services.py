"""Creating and revoking API keys and feed tokens (admin and API call these)."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
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
    _revoke(ApiKey.objects.filter(pk=key.pk), timezone.now())
    key.refresh_from_db()
    return key


@transaction.atomic
def revoke_api_keys_created_by(*, user: User) -> list[ApiKey]:
    """Stop every key the user created, as the user is deleted.

    Deleting the user empties the keys' created_by, and a key with no creator is
    a system key that answers to no one: without this it would keep working.
    """
    return _revoke(ApiKey.objects.filter(created_by=user), timezone.now())


def _revoke(keys: QuerySet[ApiKey], now: dt.datetime) -> list[ApiKey]:
    # Saved one by one (not update()) so audit.tracking records each revocation
    # with its actor, like any other change to a key; the rows are locked so
    # two revocations at once keep the first instant.
    revoked = []
    for key in keys.select_for_update().filter(revoked_at__isnull=True).order_by("pk"):
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])
        revoked.append(key)
    FeedToken.objects.filter(
        api_key__in=keys.values("pk"), revoked_at__isnull=True
    ).update(revoked_at=now)
    return revoked


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
    """Stop a feed token at once (the API and the admin call this)."""
    # Locked and saved on its own, like a key: the first revocation's instant
    # stays, and the audit trail records who revoked it.
    locked = FeedToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    token.revoked_at = locked.revoked_at
    return locked
