import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Logins here hash many passwords; a fast hasher keeps the tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
