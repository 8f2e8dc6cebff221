from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("Security")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from security import checks, middleware  # noqa: F401  (checks registers)

        user_logged_in.connect(middleware.stamp_login, dispatch_uid="security:login")
        user_logged_in.connect(middleware.mark_login, dispatch_uid="security:mfa")
