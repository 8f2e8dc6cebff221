"""OpenAPI details shared by every API view: the error shape on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers


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


VALIDATION_EXAMPLE = OpenApiExample(
    "Invalid input",
    value={
        "type": "validation_error",
        "title": "Invalid input.",
        "status": 400,
        "detail": "officer: This shift needs 4 officers and already has 4.",
        "errors": {"officer": ["This shift needs 4 officers and already has 4."]},
    },
    response_only=True,
    status_codes=["400"],
)


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
            codes += ["403", "415"]
        for code in codes:
            if code not in responses or responses[code].get("content") is None:
                responses[code] = self._get_response_for_code(
                    ProblemSerializer, code, direction=direction
                )
        return responses

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
