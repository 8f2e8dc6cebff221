"""The one JSON error shape of every answer that is not a page: type, title,
status, detail and, for bad input, errors by field.

    {"type": "validation_error", "title": "Invalid input.", "status": 400,
     "detail": "end: The end must come after the start.",
     "errors": {"end": ["The end must come after the start."]}}

It is an RFC 9457 problem details object, sent as application/problem+json: `type`
is a relative URI reference (a stable slug), and `errors` an extension member.
The API's exception handler (api/errors.py), the database-down answer
(common/dbdown.py) and the second-factor middleware all answer in it.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# RFC 9457's media type: what every error answer is sent as.
PROBLEM_TYPE = "application/problem+json"

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


def problem_response(status_code: int, detail: str, errors: dict | None = None):
    """problem() as a response of its own media type."""
    return JsonResponse(
        problem(status_code, detail, errors),
        status=status_code,
        content_type=PROBLEM_TYPE,
    )
