from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reinstall_sqlite_triggers(sender, using, **kwargs):
    # SQLite drops a table's triggers when a migration rebuilds the table.
    from django.db import connections

    from schedules import positions

    connection = connections[using]
    if connection.vendor == "sqlite":
        positions.install_triggers(connection)


class SchedulesConfig(AppConfig):
    name = "schedules"
    verbose_name = _("Rotations and shifts")

    def ready(self):
        from schedules import lookups

        lookups.register()
        post_migrate.connect(_reinstall_sqlite_triggers, sender=self)
