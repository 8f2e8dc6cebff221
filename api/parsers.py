"""JSON bodies no larger than DATA_UPLOAD_MAX_MEMORY_SIZE, nested no deeper than
MAX_DEPTH.

Django enforces that limit only when request.body or request.POST is read; DRF's
JSON parser reads the stream itself, so without this a client could make the
server hold a body of any size in memory. Python's JSON decoder recurses once per
level: 1,000 brackets (2 KB) exhaust the interpreter's stack, which DRF does not
catch. No request of this API nests more than a few levels.
"""

import io

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "request_too_large"


def too_large() -> RequestTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return RequestTooLarge(
        _("The request body is too large: send at most %(kib)d KiB.")
        % {"kib": limit // 1024}
    )


MAX_DEPTH = 32


def _depth(data) -> int:
    """How deeply lists and objects nest in parsed JSON (iteratively)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        value, depth = todo.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            children = value.values() if isinstance(value, dict) else value
            todo.extend((child, depth + 1) for child in children)
    return deepest


def too_deep() -> exceptions.ParseError:
    return exceptions.ParseError(
        _("The JSON is nested too deeply: at most %(depth)d levels.")
        % {"depth": MAX_DEPTH}
    )


class LimitedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = self._parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep() from None
        if _depth(data) > MAX_DEPTH:
            raise too_deep()
        return data

    def _parse(self, stream, media_type, parser_context):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is not None and limit is not None:
            request = (parser_context or {}).get("request")
            length = request.META.get("CONTENT_LENGTH") if request else None
            if length and length.isdigit() and int(length) > limit:
                raise too_large()
            # Content-Length may be absent or lie: read no more than the limit.
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise too_large()
            stream = io.BytesIO(body)
        return super().parse(stream, media_type, parser_context)
