"""A plan's generation and fairness report as the API takes and shows them."""

from rest_framework import serializers

from api.serializers import JSONInputSerializer
from common import dates


class GenerateSerializer(JSONInputSerializer):
    start = serializers.DateField(
        required=False,
        help_text="First duty night; default: tonight (or the plan's first night).",
        validators=[dates.check_request_date],
    )
    nights = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=730,
        help_text="How many nights; default: the plan's rolling horizon.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Count the changes without writing them."
    )


class GenerationResultSerializer(serializers.Serializer):
    plan = serializers.CharField()
    first = serializers.DateField()
    last = serializers.DateField()
    dry_run = serializers.BooleanField()
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    removed = serializers.IntegerField()
    uncovered = serializers.IntegerField(help_text="Slots no member could take.")


def generation_dict(result) -> dict:
    return {
        "plan": result.plan.code,
        "first": result.first.isoformat(),
        "last": result.last.isoformat(),
        "dry_run": result.dry_run,
        "created": result.created,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "removed": result.removed,
        "uncovered": sum(1 for d in result.decisions if d.member is None),
    }


class FairnessQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False,
        help_text="First duty night; default: 27 nights before end.",
        validators=[dates.check_request_date],
    )
    end = serializers.DateField(
        required=False,
        help_text="Last duty night; default: tonight.",
        validators=[dates.check_request_date],
    )

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end:
            if end < start:
                raise serializers.ValidationError(
                    {"end": "The end is before the start."}
                )
            if (end - start).days > 730:
                raise serializers.ValidationError(
                    {"end": "Ask for at most 731 nights at a time."}
                )
        return attrs


class MemberFairnessSerializer(serializers.Serializer):
    precinct = serializers.CharField()
    name = serializers.CharField()
    minutes = serializers.IntegerField()
    positions = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="How often the member held each slot position, slot 0 first.",
    )
    substitutions_given = serializers.IntegerField()
    substitutions_received = serializers.IntegerField()
    repayments_made = serializers.IntegerField()
    balance = serializers.IntegerField(
        help_text="Minutes held minus minutes due, from the plan's start to `end`."
    )
    limited_nights = serializers.IntegerField(
        help_text="Nights of the range on which its officers can staff fewer than "
        "all the plan's slots (officers, minimum officers per slot, rest hours)."
    )
    fewest_staffable = serializers.IntegerField(
        allow_null=True,
        help_text="The fewest slots its officers can staff on a night of the "
        "range; null when never limited.",
    )
    over_limit = serializers.IntegerField(
        help_text="Nights on which it holds more slots than it can staff."
    )


class FairnessSerializer(serializers.Serializer):
    plan = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    uncovered = serializers.IntegerField()
    minute_spread = serializers.IntegerField(
        help_text="Most minus fewest minutes held by a member over the range."
    )
    longest_run = serializers.IntegerField(
        help_text="Most nights in a row one member held one slot position. Above 2 "
        "only where nobody else could serve, or where the two-night run cap gave "
        "way because it alone stood between the schedule and the fairest one."
    )
    members = MemberFairnessSerializer(many=True)


def fairness_dict(report, codes: dict[int, str]) -> dict:
    return {
        "plan": report.plan.code,
        "start": report.first.isoformat(),
        "end": report.last.isoformat(),
        "uncovered": report.uncovered,
        "minute_spread": report.minute_spread,
        "longest_run": report.metrics.longest_run,
        "members": [
            {
                "precinct": codes[m.precinct_id],
                "name": m.name,
                "minutes": m.minutes,
                "positions": m.positions,
                "substitutions_given": m.substitutions_given,
                "substitutions_received": m.substitutions_received,
                "repayments_made": m.repayments_made,
                "balance": m.balance,
                "limited_nights": m.limited_nights,
                "fewest_staffable": m.fewest_staffable,
                "over_limit": m.over_limit,
            }
            for m in report.members
        ],
    }
