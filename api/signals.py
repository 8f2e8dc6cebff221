"""Deleting a user revokes the API keys they created (api.services), whatever
deletes the user: admin, shell, User.delete() or a queryset's delete().

A model signal because no single service deletes users, and the deletion must
not leave a key behind by any path. pre_delete is sent inside the deletion's
transaction and before created_by is set to NULL, so the keys can still be found
by their creator, and the revocation commits or rolls back with the delete.
"""

from django.conf import settings
from django.db.models.signals import pre_delete

from api import services


def _user_deleted(sender, instance, **kwargs):
    services.revoke_api_keys_created_by(user=instance)


def connect() -> None:
    pre_delete.connect(
        _user_deleted,
        sender=settings.AUTH_USER_MODEL,
        dispatch_uid="api:revoke_keys_of_deleted_user",
    )
