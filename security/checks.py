from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_mfa_required(app_configs, **kwargs):
    """In production, administrators and commanders should need a second factor."""
    if not settings.DEBUG and not settings.MFA_REQUIRED:
        return [
            Warning(
                "MFA_REQUIRED is off: administrators and commanders can log in "
                "with a password alone.",
                hint="Unset MFA_REQUIRED or set MFA_REQUIRED=true.",
                id="giliran.W701",
            )
        ]
    return []
