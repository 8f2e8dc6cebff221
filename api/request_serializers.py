"""Blackout and swap requests as the API reads and takes them."""

from rest_framework import serializers

from api.serializers import JSONInputSerializer
from common import dates
from schedules.models import (
    Blackout,
    BlackoutCategory,
    SwapRequest,
)


class BlackoutSerializer(serializers.ModelSerializer):
    precinct = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reason = serializers.SerializerMethodField(
        help_text="The free text, for the blackout's own precinct (and clients "
        "that see every precinct); null for partner precincts, who see the "
        "dates and the category."
    )

    class Meta:
        model = Blackout
        fields = [
            "id",
            "precinct",
            "start",
            "end",
            "category",
            "reason",
            "status",
            "decided_at",
            "created_at",
        ]

    def get_reason(self, blackout) -> str | None:
        # No client in the context, no reason: it is never shown by accident.
        client = self.context.get("client")
        if client is None or blackout.precinct_id not in client.home_precinct_ids:
            return None
        return blackout.reason


class BlackoutCreateSerializer(JSONInputSerializer):
    precinct = serializers.SlugField(help_text="Precinct code.")
    category = serializers.ChoiceField(
        choices=BlackoutCategory.choices,
        default=BlackoutCategory.OTHER,
        help_text="What partner precincts see, instead of the reason.",
    )
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
