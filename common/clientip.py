"""The client's address, found the same way for the lockout and the audit trail."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind PROXY_COUNT proxies the address the outermost of them
    saw. X-Forwarded-For entries left of that one are whatever the client sent."""
    address = request.META.get("REMOTE_ADDR")
    if settings.PROXY_COUNT:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= settings.PROXY_COUNT:
            address = forwarded[-settings.PROXY_COUNT]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
