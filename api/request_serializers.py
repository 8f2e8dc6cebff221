"""Blackout and swap requests as the API reads and takes them."""

from rest_framework import serializers

from api.serializers import JSONInputSerializer
from common import dates
from schedules.models import (
    Blackout,
    BlackoutCategory,
    SwapRequest,
)
from schedules.services import effects


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
            "decision_note",
            "override_note",
            "moved",
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
    override = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="A commander's own blackout is approved at once; if it would "
        "leave a precinct a night it cannot staff, this reason overrides (audited).",
    )


class DecisionSerializer(JSONInputSerializer):
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)


class ApprovalSerializer(DecisionSerializer):
    override = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="A commander's reason to approve although a precinct would hold "
        "more slots on a night than its officers can staff (audited). Without it "
        "such an approval is refused (400, field `override`).",
    )


class MovedShiftSerializer(serializers.Serializer):
    """One shift an approval moves (or moved): night, slot, from, to, why."""

    shift = serializers.IntegerField()
    plan = serializers.IntegerField()
    night = serializers.DateField(help_text="The duty night.")
    slot = serializers.IntegerField(help_text="Slot number, 0 for the first.")
    start = serializers.DateTimeField()
    to = serializers.CharField(allow_blank=True, help_text="Holder after (name).")
    why = serializers.SerializerMethodField(
        help_text="Why it went there: the shift's note, or its reason."
    )

    def get_why(self, row) -> str:
        return effects.why(row)

    def get_fields(self):
        # "from" is a Python keyword: the field is added by name.
        fields = super().get_fields()
        fields["from"] = serializers.CharField(
            allow_blank=True, help_text="Holder before (name)."
        )
        return fields


class StaffingBreakSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    precinct = serializers.IntegerField()
    night = serializers.DateField()
    held = serializers.IntegerField()
    limit = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    """A dry run of an approval: nothing is kept."""

    moved = MovedShiftSerializer(many=True)
    breaks = StaffingBreakSerializer(
        many=True,
        help_text="Precinct-nights the approval would leave over what their "
        "officers can staff; approving then needs `override`.",
    )


class PendingDecisionsSerializer(serializers.Serializer):
    swaps = serializers.ListField(child=serializers.IntegerField())
    blackouts = serializers.ListField(child=serializers.IntegerField())
    count = serializers.IntegerField()


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
            "accepted_at",
            "acceptance_note",
            "approved_at",
            "approval_note",
            "decision_note",
            "decided_at",
            "override_note",
            "moved",
            "created_at",
        ]


class SwapCreateSerializer(JSONInputSerializer):
    shift = serializers.IntegerField(min_value=1)
    to_precinct = serializers.SlugField(help_text="Precinct code.")
    counter_shift = serializers.IntegerField(
        min_value=1, required=False, allow_null=True
    )
    note = serializers.CharField(max_length=255, required=False, allow_blank=True)
