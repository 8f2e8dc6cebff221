"""Signing and posting webhook bodies: the one network edge of notices.

The receiver recomputes HMAC-SHA256 over the raw body with the shared secret and
compares it with the X-Giliran-Signature header (`sha256=<hex>`) in constant time.
"""

import hashlib
import hmac
import json
import urllib.error
import urllib.request

SIGNATURE_HEADER = "X-Giliran-Signature"
EVENT_HEADER = "X-Giliran-Event"
DELIVERY_HEADER = "X-Giliran-Delivery"
TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """The endpoint did not answer with a 2xx; worth trying again later."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


def encode(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, body), signature)


def post(*, url: str, secret: str, body: bytes, event: str, delivery_id: int) -> int:
    """POST a signed body; returns the status code or raises DeliveryFailed."""
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Giliran-Webhook/1",
            SIGNATURE_HEADER: sign(secret, body),
            EVENT_HEADER: event,
            DELIVERY_HEADER: str(delivery_id),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code}", status=exc.code) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(str(getattr(exc, "reason", exc))) from exc
