from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notifications")

    def ready(self):
        # Registers the tasks that other apps enqueue by name (outbox.enqueue), so
        # they run in eager mode too, in a process that never imported them.
        from notices import tasks  # noqa: F401
