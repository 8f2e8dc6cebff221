"""The shape of an API key's secret, gil_<prefix>_<random>, read without the database.

The API finds a key by its prefix (api/authentication.py); the audit trail names a
refused key by its prefix only, never by its secret (audit/middleware.py).
"""

KEY_PREFIX = "gil"


def key_prefix(secret: str) -> str | None:
    """The lookup prefix of a secret in the key format, or None if it is not one."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1]:
        return None
    return parts[1]
