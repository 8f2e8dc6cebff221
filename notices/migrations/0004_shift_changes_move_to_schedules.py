"""ShiftSnapshot and ShiftChange move to schedules, which finds shift changes now
(schedules migration 0005 takes them over and renames their tables). Notifications
that point at a change name its new model."""

from django.db import migrations


def relabel(old: str, new: str):
    def run(apps, schema_editor):
        Notification = apps.get_model("notices", "Notification")
        Notification.objects.filter(target_model=old).update(target_model=new)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0003_webhook_delivery_claim"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ShiftChange"),
                migrations.DeleteModel(name="ShiftSnapshot"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            relabel("notices.ShiftChange", "schedules.ShiftChange"),
            relabel("schedules.ShiftChange", "notices.ShiftChange"),
        ),
    ]
