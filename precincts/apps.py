from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrecinctsConfig(AppConfig):
    name = "precincts"
    verbose_name = _("Precincts and officers")

    def ready(self) -> None:
        from precincts import checks  # noqa: F401  (registers the system checks)
