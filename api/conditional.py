"""Conditional requests: ETag on reads (If-None-Match → 304) and If-Match on
roster writes (the shift's version → 412 when it moved on, 428 when missing).

A shift's ETag is its version, strong and quoted ("3"; "3-np" for a view without
its officers): the one value a client reads, caches by and sends back as If-Match.
Lists and boards, which have no version, have a hash of their body.
"""

import hashlib
import re

from django.utils.cache import get_conditional_response, patch_vary_headers

from api.errors import PreconditionFailed, PreconditionRequired

ETAG_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,9})(?:-[a-z]+)?"?\s*$')


class ETagMixin:
    """A strong ETag on successful GETs: the one the view set (a shift's
    version), else a hash of the body. Cheap compared with building the body, and
    right for every client whatever it may see (Vary names who is asking)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            if not response.has_header("ETag"):
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


def version_etag(version: int, personnel_visible: bool = True) -> str:
    """The shift's version, quoted; a view without its officers' names is another
    representation, so it gets its own strong tag ("3-np"), taken as If-Match
    all the same."""
    return f'"{version}"' if personnel_visible else f'"{version}-np"'


def expected_version(request) -> int | None:
    """The version the client read, from If-Match; None for `*` (RFC 9110: any
    current version will do)."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    if header.strip() == "*":
        return None
    match = ETAG_VERSION.match(header)
    if match is None:
        raise PreconditionFailed(
            "If-Match must be the shift's ETag (its version, for example "
            'If-Match: "3"), or *.'
        )
    return int(match.group(1))
