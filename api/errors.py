"""One JSON error shape for the whole API: type, title, status, detail, errors.

    {"type": "validation_error", "title": "Invalid input.", "status": 400,
     "detail": "end: The end must come after the start.",
     "errors": {"end": ["The end must come after the start."]}}

Django's ValidationError (raised by services) becomes a 400 with the field
messages; ShiftChanged becomes a 412; an officer already on an overlapping shift
(roster.OfficerBusy, or the database's no-overlap constraint firing on PostgreSQL)
a 409 with the field messages; a body over DATA_UPLOAD_MAX_MEMORY_SIZE a 413;
anything unexpected a logged 500, still JSON.
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from api.parsers import too_large
from schedules import roster

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The shift changed since you read it.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy(
        'Send If-Match with the shift\'s version (for example If-Match: "3").'
    )
    default_code = "precondition_required"


TITLES = {
    400: gettext_lazy("Invalid input."),
    401: gettext_lazy("Not authenticated."),
    403: gettext_lazy("Not allowed."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("Method not allowed."),
    406: gettext_lazy("Not acceptable."),
    409: gettext_lazy("Conflict."),
    412: gettext_lazy("Precondition failed."),
    413: gettext_lazy("Request too large."),
    415: gettext_lazy("Unsupported media type."),
    428: gettext_lazy("Precondition required."),
    429: gettext_lazy("Too many requests."),
    500: gettext_lazy("Server error."),
    503: gettext_lazy("Service unavailable."),
}

TYPES = {
    400: "validation_error",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}


def problem(status_code: int, detail: str, errors: dict | None = None) -> dict:
    body = {
        "type": TYPES.get(status_code, "error"),
        "title": str(TITLES.get(status_code, _("Error."))),
        "status": status_code,
        "detail": str(detail),
    }
    if errors is not None:
        body["errors"] = errors
    return body


def _flatten(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as {field: [messages]}; nested keys joined by '.'."""
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    out: dict[str, list[str]] = {}
    for field, value in detail.items():
        if isinstance(value, dict):
            for sub, messages in _flatten(value).items():
                out[f"{field}.{sub}"] = messages
        elif isinstance(value, list):
            out[str(field)] = [
                str(m) if not isinstance(m, dict) else str(_flatten(m)) for m in value
            ]
        else:
            out[str(field)] = [str(value)]
    return out


def _summary(errors: dict[str, list[str]]) -> str:
    parts = []
    for field, messages in errors.items():
        prefix = "" if field == "non_field_errors" else f"{field}: "
        parts += [prefix + m for m in messages]
    return " ".join(parts) or str(TITLES[400])


def exception_handler(exc, context):
    if isinstance(exc, roster.ShiftChanged):
        response = Response(
            problem(
                412,
                _(
                    "The shift changed since you read it: it is at version "
                    "%(current)s, not %(expected)s. Read it again and retry."
                )
                % {"current": exc.current_version, "expected": exc.expected_version},
            ),
            status=412,
        )
        response["ETag"] = f'"{exc.current_version}"'
        return response
    if isinstance(exc, IntegrityError) and roster.is_overlap_violation(exc):
        # A path outside the roster services; they raise OfficerBusy themselves.
        exc = roster.OfficerBusy(
            {"officer": [_("An officer would be on two overlapping shifts.")]}
        )
    if isinstance(exc, roster.OfficerBusy):
        errors = _flatten(as_serializer_error(exc))
        return Response(problem(409, _summary(errors), errors), status=409)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        # Django's own limits, met when something reads request.body or .POST.
        exc = too_large()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args[:1])

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("API error", exc_info=exc)
        return Response(
            problem(500, _("Something went wrong on our side.")), status=500
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(response.data)
        response.data = problem(response.status_code, _summary(errors), errors)
    else:
        detail = (
            response.data.get("detail", "") if isinstance(response.data, dict) else ""
        )
        response.data = problem(
            response.status_code, detail or TITLES.get(response.status_code, "")
        )
    return response


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Unknown URLs under /api/ answer in the API's shape, never an HTML page (nor
    Django's HTML CSRF page for a POST: there is nothing here to protect)."""
    return JsonResponse(problem(404, _("No such API endpoint.")), status=404)
