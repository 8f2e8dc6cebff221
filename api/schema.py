"""OpenAPI details shared by every API view: the error shape on every operation."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, serializers

from common.errors import PROBLEM_TYPE


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="A stable slug: validation_error, not_found…"
    )
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field name → messages, for validation errors only.",
    )


def _problem_example(code: int, kind: str, title: str, detail: str, **extra):
    return OpenApiExample(
        title,
        value={"type": kind, "title": title, "status": code, "detail": detail, **extra},
        response_only=True,
        status_codes=[str(code)],
    )


ERROR_EXAMPLES = {
    "400": _problem_example(
        400,
        "validation_error",
        "Invalid input.",
        "officer: This shift needs 4 officers and already has 4.",
        errors={"officer": ["This shift needs 4 officers and already has 4."]},
    ),
    "401": _problem_example(
        401, "not_authenticated", "Not authenticated.", "Invalid API key."
    ),
    "403": _problem_example(
        403,
        "permission_denied",
        "Not allowed.",
        "Only the holding precinct's duty officers edit this roster.",
    ),
    "404": _problem_example(404, "not_found", "Not found.", "Not found."),
    "412": _problem_example(
        412,
        "precondition_failed",
        "Precondition failed.",
        "The shift changed since you read it: it is at version 4, not 3. "
        "Read it again and retry.",
    ),
    "428": _problem_example(
        428,
        "precondition_required",
        "Precondition required.",
        'Send If-Match with the shift\'s version (for example If-Match: "3").',
    ),
    "429": _problem_example(
        429,
        "throttled",
        "Too many requests.",
        "Request was throttled. Expected available in 12 seconds.",
    ),
}


ETAG = {
    "schema": {"type": "string"},
    "description": "A strong validator: for a shift its version, quoted "
    '(`"3"`); for a list or board a hash of the body.',
}
CURRENT_ETAG = {
    "schema": {"type": "string"},
    "description": 'The shift\'s current version, quoted (`"4"`).',
}
RETRY_AFTER = {
    "schema": {"type": "integer", "minimum": 0},
    "description": "Seconds to wait before asking again.",
}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="An ETag you hold: 304 with no body if it is still current.",
)


# Text DRF accepts: no NUL character (refused by every CharField) and, unless
# blank is allowed, something besides white space (which is trimmed away).
TEXT_PATTERN = r"^[^\x00]*$"
NON_BLANK_TEXT_PATTERN = r"^[^\x00]*[^\s\x00][^\x00]*$"


class GiliranAutoSchema(AutoSchema):
    """Adds the errors every endpoint can answer with, in the one error shape.

    Done on the response bodies, after @extend_schema overrides, so operations
    with explicit responses get them too.
    """

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction=direction)
        if direction != "response":
            return responses
        codes = ["401", "404", "429"]
        if self.method != "GET" or self._has_parameters():
            codes.append("400")
        if self.method not in ("GET", "HEAD"):
            codes += ["403", "413", "415"]
        elif getattr(self.view, "read_needs_scope", False):
            codes.append("403")
        for code in codes:
            if code not in responses or responses[code].get("content") is None:
                responses[code] = self._get_response_for_code(
                    ProblemSerializer, code, direction=direction
                )
        self._add_conditional_headers(responses)
        for code, response in responses.items():
            content = response.get("content") or {}
            if int(code) >= 400 and "application/json" in content:
                # Errors are RFC 9457 problem details, in their own media type.
                response["content"] = {PROBLEM_TYPE: content["application/json"]}
        return responses

    def _add_conditional_headers(self, responses: dict) -> None:
        """304 and the headers of conditional requests and rate limits, so a
        strict generated client knows every answer it may get."""
        responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
        for code in ("412", "428"):
            if code in responses:
                responses[code].setdefault("headers", {})["ETag"] = CURRENT_ETAG
        if self._has_etag() and self.method == "GET":
            for code in ("200",):
                if code in responses:
                    responses[code].setdefault("headers", {})["ETag"] = ETAG
            responses["304"] = {
                "description": "Not modified: the ETag sent in If-None-Match "
                "is current. No body.",
                "headers": {"ETag": ETAG},
            }
        elif self.method in ("POST", "PATCH", "DELETE") and "412" in responses:
            for code in ("200", "201"):
                if code in responses:
                    responses[code].setdefault("headers", {})["ETag"] = CURRENT_ETAG

    def _has_etag(self) -> bool:
        from api.conditional import ETagMixin

        return isinstance(self.view, ETagMixin)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "GET" and self._has_etag():
            parameters.append(IF_NONE_MATCH)
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and type(field) is serializers.CharField
            and not field.read_only
            and "pattern" not in schema
        ):
            if field.allow_blank:
                schema["pattern"] = TEXT_PATTERN
            else:
                schema["pattern"] = NON_BLANK_TEXT_PATTERN
                schema.setdefault("minLength", 1)
        return schema

    def get_examples(self):
        """An example of the error shape for every error status the operation
        documents (the responses are known only later, so offer them all; the
        generator keeps those whose status the operation answers)."""
        return [*super().get_examples(), *ERROR_EXAMPLES.values()]

    def _has_parameters(self) -> bool:
        """Whether a request can carry a value the API may refuse with a 400."""
        return bool(
            self.get_override_parameters()
            or getattr(self.view, "filterset_class", None)
            or getattr(self.view, "pagination_class", None)
        )


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key created in admin: `Authorization: Bearer "
            "gil_…`. Its scope (read, read+personnel, write) and precinct or "
            "command restriction decide what it sees and may change.",
        }


class VerifiedSessionScheme(SessionScheme):
    """The browser's session cookie, as drf-spectacular documents Django's."""

    target_class = "api.authentication.VerifiedSessionAuthentication"


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI, like the schema it reads, for a signed-in person or a key
    (SPECTACULAR_SETTINGS' SERVE_PERMISSIONS); a visitor is sent to log in."""

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
