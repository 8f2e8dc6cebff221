"""Blackout and swap requests as the API reads and takes them."""

from rest_framework import serializers

from api.serializers import JSONInputSerializer
from common import dates
from schedules.models import (
    Blackout,
    SwapRequest,
)


class BlackoutSerializer(serializers.ModelSerializer):
    precinct = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Blackout
        fields = [
            "id",
            "precinct",
            "start",
            "end",
            "reason",
            "status",
            "decided_at",
            "created_at",
        ]


class BlackoutCreateSerializer(JSONInputSerializer):
    precinct = serializers.SlugField(help_text="Precinct code.")
    start = serializers.DateTimeField(
        help_text="ISO 8601 with offset.", validators=[dates.check_request_date]
    )
    end = serializers.DateTimeField(validators=[dates.check_request_date])
    reason = serializers.CharField(max_length=255)


class DecisionSerializer(JSONInputSerializer):
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


class SwapSerializer(serializers.ModelSerializer):
    from_precinct = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_precinct = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = SwapRequest
        fields = [
            "id",
            "shift",
            "kind",
            "from_precinct",
            "to_precinct",
            "counter_shift",
            "note",
            "status",
            "decision_note",
            "decided_at",
            "created_at",
        ]


class SwapCreateSerializer(JSONInputSerializer):
    shift = serializers.IntegerField(min_value=1)
    to_precinct = serializers.SlugField(help_text="Precinct code.")
    counter_shift = serializers.IntegerField(
        min_value=1, required=False, allow_null=True
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)
