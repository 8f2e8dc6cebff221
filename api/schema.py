"""OpenAPI details shared by every API view: the error shape on every operation."""

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
    """Adds the errors every endpoint can answer with, in the one error shape."""

    def get_response_serializers(self):
        responses = super().get_response_serializers()
        if not isinstance(responses, dict) or not any(
            str(code).isdigit() for code in responses
        ):
            responses = {self._default_status(): responses}
        errors = {
            401: ProblemSerializer,
            404: ProblemSerializer,
            429: ProblemSerializer,
        }
        if self.method != "GET" or self._has_parameters():
            errors[400] = ProblemSerializer
        if self.method != "GET":
            errors[403] = ProblemSerializer
        for code, serializer in errors.items():
            responses.setdefault(code, serializer)
        return responses

    def _default_status(self) -> int:
        return 201 if self._is_create_operation() else 200

    def _has_parameters(self) -> bool:
        return bool(getattr(self.view, "filterset_class", None)) or bool(
            getattr(self.view, "pagination_class", None)
        )
