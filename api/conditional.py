"""Conditional requests: ETag on reads (If-None-Match → 304) and If-Match on
roster writes (the shift's version → 412 when it moved on, 428 when missing)."""

import hashlib
import re

from django.utils.cache import get_conditional_response, patch_vary_headers

from api.errors import PreconditionFailed, PreconditionRequired

ETAG_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


class ETagMixin:
    """A strong ETag from the response body of successful GETs. Cheap compared
    with building the body, and right for every client whatever it may see."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response.render()
            etag = hashlib.sha256(response.content).hexdigest()[:32]
            response["ETag"] = f'"{etag}"'
            # Vary so shared caches never give one client another's view.
            patch_vary_headers(response, ("Accept", "Authorization", "Cookie"))
            conditional = get_conditional_response(
                request, etag=response["ETag"], response=response
            )
            if conditional is not response:
                conditional["ETag"] = response["ETag"]
                return conditional
        return response


def expected_version(request) -> int:
    """The version the client read, from If-Match."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    match = ETAG_VERSION.match(header)
    if match is None:
        raise PreconditionFailed(
            'If-Match must be the shift\'s version, for example If-Match: "3".'
        )
    return int(match.group(1))
