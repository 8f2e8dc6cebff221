"""The API's exception handler: every error in the one shape of common/errors.py.

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
from common.errors import TITLES, problem
from schedules.services import decisions, roster

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
    if isinstance(exc, roster.OfficerBusy | decisions.AlreadyDecided):
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
