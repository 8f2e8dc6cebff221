"""Revoke the keys whose creator was deleted before deleting a user revoked them.

Such a key has an empty created_by, like a system key, and so kept working. The
audit trail tells the two apart: a key that was ever recorded with a creator
(audit.tracking writes created_by_id on create and change) and has none now lost
it when that user was deleted. Keys older than the audit trail have no record and
are left as they are. Each revocation is recorded, as api.services does.
"""

from django.db import migrations
from django.utils import timezone


def revoke(apps, schema_editor):
    ApiKey = apps.get_model("api", "ApiKey")
    FeedToken = apps.get_model("api", "FeedToken")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    had_creator = {
        int(event.object_id)
        for event in AuditEvent.objects.filter(
            object_type="api.apikey", action__in=["create", "update"]
        ).only("object_id", "after")
        if isinstance(event.after, dict)
        and event.after.get("created_by_id") is not None
        and event.object_id.isdigit()
    }
    keys = ApiKey.objects.filter(
        pk__in=had_creator, created_by__isnull=True, revoked_at__isnull=True
    )
    now = timezone.now()
    revoked = []
    for key in keys.order_by("pk"):
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=now)
        AuditEvent.objects.create(
            at=now,
            action="update",
            object_type="api.apikey",
            object_id=str(key.pk),
            object_label=f"{key.name} ({key.prefix}…)"[:255],
            actor_label="migration api.0002",
            before={"revoked_at": None},
            after={"revoked_at": now.isoformat()},
        )
        revoked.append(key.pk)
    FeedToken.objects.filter(api_key__in=revoked, revoked_at__isnull=True).update(
        revoked_at=now
    )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("audit", "0004_merge_0003_history_lookup_indexes_0003_mfa_actions"),
    ]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
