from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=False)
def check_secret_key(app_configs, **kwargs):
    """Refuse to run in production with the key that ships in the repository."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            Error(
                "DEBUG is off but SECRET_KEY is the development key.",
                hint="Set SECRET_KEY to a long random value (see .env.example), "
                "or set DEBUG=true for local development.",
                id="giliran.E001",
            )
        ]
    return []
