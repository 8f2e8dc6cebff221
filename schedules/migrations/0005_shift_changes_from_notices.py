"""ShiftSnapshot and ShiftChange, notices' until now, belong to schedules, which
finds shift changes: the models are taken over as they are, then their tables are
renamed to this app's names."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schedules", "0004_shift_hour_unique_unless_cancelled"),
        ("notices", "0004_shift_changes_move_to_schedules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ShiftChange",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("before", models.JSONField(verbose_name="before")),
                        ("after", models.JSONField(verbose_name="after")),
                        (
                            "fields",
                            models.JSONField(
                                help_text="holder, times, roster, status",
                                verbose_name="what changed",
                            ),
                        ),
                        ("detected_at", models.DateTimeField(verbose_name="detected at")),
                        (
                            "shift",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notice_changes",
                                to="schedules.shift",
                                verbose_name="shift",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "shift change",
                        "verbose_name_plural": "shift changes",
                        "ordering": ["-detected_at", "-id"],
                        "db_table": "notices_shiftchange",
                    },
                ),
                migrations.CreateModel(
                    name="ShiftSnapshot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("state", models.JSONField(verbose_name="state")),
                        ("taken_at", models.DateTimeField(verbose_name="taken at")),
                        (
                            "shift",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notice_snapshot",
                                to="schedules.shift",
                                verbose_name="shift",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "shift snapshot",
                        "verbose_name_plural": "shift snapshots",
                        "db_table": "notices_shiftsnapshot",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="shiftchange", table=None),
        migrations.AlterModelTable(name="shiftsnapshot", table=None),
    ]
