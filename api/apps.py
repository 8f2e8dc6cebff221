from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and calendar feeds")

    def ready(self):
        # Registers the OpenAPI extension for API keys, and revokes the keys of
        # a user who is deleted.
        from api import (
            schema,  # noqa: F401
            signals,
        )

        signals.connect()
