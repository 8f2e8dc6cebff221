"""Deleting a user revokes the API keys they created, by every path that deletes.

A key whose created_by is empty counts as a system key, so a key whose creator
is deleted (created_by set to NULL) would otherwise keep working.
"""

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.signals import post_delete

from api import services
from api.models import ApiKey, FeedToken, Scope
from audit.models import Action, AuditEvent
from tests import factories
from tests.api.conftest import client_for, make_key

URL = "/api/v1/plans/"


def key_by(user, name="key", scope=Scope.READ) -> tuple[ApiKey, str]:
    key = ApiKey(name=name, scope=scope)
    return key, services.create_api_key(key=key, by=user)


def status_with(secret: str) -> int:
    return client_for(secret=secret).get(URL).status_code


def test_deleting_the_creator_revokes_the_key(plan):
    person = factories.UserFactory(username="operator")
    key, secret = key_by(person)
    assert status_with(secret) == 200

    person.delete()
    response = client_for(secret=secret).get(URL)

    assert response.status_code == 401
    assert "expired or was revoked" in response.json()["detail"]
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert key.created_by is None


def test_a_queryset_delete_revokes_the_keys_of_each_user_it_deletes(plan):
    ani = factories.UserFactory(username="ani")
    budi = factories.UserFactory(username="budi")
    kept = factories.UserFactory(username="kept")
    _ani_key, ani_secret = key_by(ani, "ani")
    _budi_key, budi_secret = key_by(budi, "budi")
    _kept_key, kept_secret = key_by(kept, "kept")
    _system_key, system_secret = make_key(Scope.READ, name="system")

    User.objects.filter(username__in=["ani", "budi"]).delete()

    assert status_with(ani_secret) == 401
    assert status_with(budi_secret) == 401
    assert status_with(kept_secret) == 200
    assert status_with(system_secret) == 200


def test_deleting_a_user_in_admin_revokes_their_keys(plan, admin_user):
    person = factories.UserFactory(username="operator")
    _key, secret = key_by(person)

    response = client_for(admin_user).post(
        f"/admin/auth/user/{person.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=person.pk).exists()
    assert status_with(secret) == 401


def test_the_revocation_is_audited_with_who_deleted_the_user(plan, admin_user):
    person = factories.UserFactory(username="operator")
    key, _secret = key_by(person)

    client_for(admin_user).post(
        f"/admin/auth/user/{person.pk}/delete/", {"post": "yes"}
    )

    event = AuditEvent.objects.for_object(key).get(action=Action.UPDATE)
    assert event.before == {"revoked_at": None}
    assert event.after["revoked_at"] is not None
    assert event.actor_id == admin_user.pk


def test_the_keys_feed_tokens_stop_with_it(plan):
    person = factories.UserFactory(username="operator")
    key, _secret = key_by(person)
    token, _feed_secret = services.create_feed_token(api_key=key)

    person.delete()

    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_key_revoked_before_keeps_its_first_revocation(plan):
    person = factories.UserFactory(username="operator")
    key, _secret = key_by(person)
    first = services.revoke_api_key(key=key).revoked_at

    person.delete()

    key.refresh_from_db()
    assert key.revoked_at == first
    assert AuditEvent.objects.for_object(key).filter(action=Action.UPDATE).count() == 1


def test_a_delete_that_fails_leaves_the_keys_working(plan):
    """The revocation is part of the deletion's transaction, not committed apart."""
    person = factories.UserFactory(username="operator")
    key, secret = key_by(person)

    def fail(sender, instance, **kwargs):
        raise RuntimeError("the deletion fails after the user row is gone")

    post_delete.connect(fail, sender=User, dispatch_uid="test:fail")
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            person.delete()
    finally:
        post_delete.disconnect(sender=User, dispatch_uid="test:fail")

    key.refresh_from_db()
    assert key.revoked_at is None
    assert key.created_by_id == person.pk
    assert status_with(secret) == 200


def test_revoking_a_key_by_hand_is_audited(read_key):
    key, _secret = read_key

    services.revoke_api_key(key=key)

    event = AuditEvent.objects.for_object(key).get(action=Action.UPDATE)
    assert event.before == {"revoked_at": None}
    assert event.after["revoked_at"] is not None


def test_deleting_a_user_leaves_other_feed_tokens_alone(plan):
    person = factories.UserFactory(username="operator")
    other, _secret = make_key(Scope.READ, name="system")
    token, _feed_secret = services.create_feed_token(api_key=other)

    person.delete()

    assert FeedToken.objects.get(pk=token.pk).revoked_at is None


def test_the_migration_revokes_keys_whose_creator_was_deleted_before(plan):
    """Before this fix deleting a user only emptied created_by; the audit trail
    still says the key had a creator, which a system key never had."""
    migration = importlib.import_module(
        "api.migrations.0002_revoke_keys_of_deleted_creators"
    )
    gone = factories.UserFactory(username="gone")
    stays = factories.UserFactory(username="stays")
    orphan, orphan_secret = key_by(gone, "orphan")
    token, _feed_secret = services.create_feed_token(api_key=orphan)
    _owned, owned_secret = key_by(stays, "owned")
    _system, system_secret = make_key(Scope.READ, name="system")
    # What deleting `gone` did before: created_by set to NULL, nothing else.
    ApiKey.objects.filter(pk=orphan.pk).update(created_by=None)
    assert status_with(orphan_secret) == 200

    migration.revoke(django_apps, None)

    assert status_with(orphan_secret) == 401
    assert status_with(owned_secret) == 200
    assert status_with(system_secret) == 200
    assert FeedToken.objects.get(pk=token.pk).revoked_at is not None
    event = AuditEvent.objects.for_object(orphan).get(action=Action.UPDATE)
    assert event.before == {"revoked_at": None}
