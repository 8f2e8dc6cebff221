"""API serializers: module-level, uniquely named, checking shape and not policy.

The shift list is the hot path: ShiftSerializer declares its fields for the schema
while the rows come from api.rows (dicts from .values(), no model instances).
tests/api/test_shifts.py holds the two to the same keys.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api import rows
from api.models import FeedToken
from common import dates
from precincts.models import Command, Officer, Precinct, Rank, Zone
from schedules.models import (
    AssignmentRole,
    Blackout,
    BlackoutCategory,
    Reason,
    RotationPlan,
    ShiftStatus,
    SwapRequest,
)


def _json_types(field) -> tuple[type, ...] | None:
    """The JSON types a field's value must arrive as, as the schema states them."""
    if isinstance(field, serializers.BooleanField):
        return (bool,)
    if isinstance(field, serializers.IntegerField):
        return (int,)
    if isinstance(field, serializers.DecimalField):
        return (str,) if field.coerce_to_string is not False else (int, float)
    if isinstance(field, serializers.FloatField):
        return (int, float)
    if isinstance(field, serializers.ListField | serializers.ListSerializer):
        return (list,)
    if isinstance(field, serializers.Serializer):
        return (dict,)
    string_fields = (
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.TimeField,
    )
    return (str,) if isinstance(field, string_fields) else None


TYPE_NAMES = {
    (bool,): gettext_lazy("Send true or false."),
    (int,): gettext_lazy("Send a whole number."),
    (int, float): gettext_lazy("Send a number."),
    (str,): gettext_lazy("Send a string."),
    (list,): gettext_lazy("Send a list."),
    (dict,): gettext_lazy("Send an object."),
}


def _type_error(field, value):
    """The message for a value of the wrong JSON type, or None."""
    expected = _json_types(field)
    if value is None or expected is None:
        return None
    if not isinstance(value, expected) or (
        isinstance(value, bool) and bool not in expected
    ):
        return [str(TYPE_NAMES[expected])]
    if isinstance(field, serializers.ListField):
        errors = {
            i: error
            for i, item in enumerate(value)
            if (error := _type_error(field.child, item))
        }
        return errors or None
    return None


# A request body held to the JSON types its schema states. DRF coerces (0 becomes
# "0", "true" becomes True, "5" becomes 5), so a client sending the wrong type
# would be told nothing and could be misread; here it gets a 400 naming the field.
# (A comment, not a docstring: drf-spectacular would copy a docstring into the
# description of every input component.)
class JSONInputSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {
                name: error
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (error := _type_error(field, data[name]))
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def local_iso(value, tz) -> str | None:
    return None if value is None else timezone.localtime(value, tz).isoformat()


# --- reference data ---------------------------------------------------------------


class CommandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Command
        fields = ["code", "name"]


class PrecinctSerializer(serializers.ModelSerializer):
    command = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Precinct
        fields = ["code", "name", "command", "colour", "phone", "max_concurrent_posts"]


class ZoneSerializer(serializers.ModelSerializer):
    precincts = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )

    class Meta:
        model = Zone
        fields = [
            "code",
            "name",
            "kelurahan",
            "kecamatan",
            "risk_level",
            "precincts",
            "geometry",
            "post_location",
        ]


class ZoneFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.CharField(help_text="Zone code.")
    geometry = serializers.JSONField(
        allow_null=True, help_text="The area, else the post location, else null."
    )
    properties = serializers.DictField()


@extend_schema_serializer(many=False)
class ZoneFeatureCollectionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = ZoneFeatureSerializer(many=True)


class OfficerSerializer(serializers.ModelSerializer):
    precinct = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Officer
        fields = ["nrp", "name", "rank", "precinct", "unit", "phone", "active"]


@extend_schema_field(
    {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "00:00"}
)
class WallClockField(serializers.TimeField):
    """A local wall-clock time (HH:MM) in the plan's time zone: no offset."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class PlanSerializer(serializers.ModelSerializer):
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True)
    window_start = WallClockField(read_only=True)
    window_end = WallClockField(
        read_only=True, help_text="At or before the start: the window crosses midnight."
    )
    members = serializers.SerializerMethodField(
        help_text="Member precinct codes in rotation order."
    )
    slot_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = RotationPlan
        fields = [
            "code",
            "name",
            "zone",
            "members",
            "window_start",
            "window_end",
            "slot_minutes",
            "slot_count",
            "min_officers",
            "rest_hours",
            "valid_from",
            "valid_until",
            "time_zone",
            "horizon_days",
            "strategy",
            "active",
        ]

    def get_members(self, plan) -> list[str]:
        return [m.precinct.code for m in plan.memberships.all()]


# --- shifts -----------------------------------------------------------------------


class AssignedOfficerSerializer(serializers.Serializer):
    nrp = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.ChoiceField(choices=Rank.choices)


class ShiftAssignmentSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=AssignmentRole.choices)
    officer = AssignedOfficerSerializer(
        allow_null=True,
        help_text="Null when the client may not see this precinct's personnel.",
    )


class ShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.CharField(help_text="Plan code.")
    zone = serializers.CharField(help_text="Zone code.")
    precinct = serializers.CharField(
        allow_null=True, help_text="Holding precinct's code; null when uncovered."
    )
    night = serializers.DateField(help_text="The duty night (local evening date).")
    slot = serializers.IntegerField(help_text="Slot index within the night, from 0.")
    start = serializers.DateTimeField(help_text="ISO 8601 in the plan's time zone.")
    end = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=ShiftStatus.choices)
    locked = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=Reason.choices)
    substitute_for = serializers.CharField(allow_null=True)
    reason_note = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(
        help_text='Send it back as If-Match: "<version>" when editing the roster.'
    )
    updated_at = serializers.DateTimeField()
    personnel_visible = serializers.BooleanField()
    officer_count = serializers.IntegerField()
    assignments = ShiftAssignmentSerializer(many=True)

    def to_representation(self, shift):
        # The fields above are the schema; rows come from api.rows (hot path).
        return rows.shift_rows([shift], self.context["client"])[0]


class AssignmentCreateSerializer(JSONInputSerializer):
    officer = serializers.RegexField(
        r"^\d{8}$", help_text="The officer's NRP (8 digits)."
    )
    role = serializers.ChoiceField(
        choices=AssignmentRole.choices, default=AssignmentRole.MEMBER
    )


class AssignmentUpdateSerializer(JSONInputSerializer):
    role = serializers.ChoiceField(
        choices=[AssignmentRole.LEADER],
        # PATCH bodies are partial (the schema says so): leader is the only change.
        required=False,
        default=AssignmentRole.LEADER,
        help_text="Only `leader` (the default): the current leader stays on as a "
        "member.",
    )


# --- nights, coverage ---------------------------------------------------------------


class BoardOfficerSerializer(serializers.Serializer):
    nrp = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.ChoiceField(choices=Rank.choices)
    role = serializers.ChoiceField(choices=AssignmentRole.choices)
    phone = serializers.CharField(allow_blank=True)


class BoardShiftSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    precinct = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=ShiftStatus.choices)
    reason = serializers.ChoiceField(choices=Reason.choices)
    substitute_for = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()
    locked = serializers.BooleanField()
    officer_count = serializers.IntegerField()
    officers = BoardOfficerSerializer(
        many=True, allow_null=True, help_text="Null when personnel is not visible."
    )
    short_by = serializers.IntegerField(
        help_text="Officers missing to reach the plan's minimum."
    )
    uncovered = serializers.BooleanField()
    can_edit = serializers.BooleanField()


class BoardSlotSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    shift = BoardShiftSerializer(allow_null=True)


class BoardPlanSerializer(serializers.Serializer):
    plan = serializers.CharField()
    name = serializers.CharField()
    zone = serializers.CharField()
    night = serializers.DateField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    short_count = serializers.IntegerField()
    uncovered_count = serializers.IntegerField()
    slots = BoardSlotSerializer(many=True)


class NightBoardSerializer(serializers.Serializer):
    # No "now" in the body: the same night must give the same ETag.
    night = serializers.DateField(allow_null=True)
    plans = BoardPlanSerializer(many=True)


def board_dict(board) -> dict:
    def shift(s):
        if s is None:
            return None
        return {
            "id": s.id,
            "precinct": s.precinct.code if s.precinct else None,
            "status": s.status,
            "reason": s.reason,
            "substitute_for": s.substitute_for.code if s.substitute_for else None,
            "version": s.version,
            "locked": s.locked,
            "officer_count": s.officer_count,
            "officers": (
                None
                if s.officers is None
                else [
                    {
                        "nrp": o.nrp,
                        "name": o.name,
                        "rank": o.rank,
                        "role": o.role,
                        "phone": o.phone,
                    }
                    for o in s.officers
                ]
            ),
            "short_by": s.short_by,
            "uncovered": s.uncovered,
            "can_edit": s.can_edit,
        }

    return {
        "night": board.night.isoformat() if board.night else None,
        "plans": [
            {
                "plan": p.plan.code,
                "name": p.plan.name,
                "zone": p.plan.zone.code,
                "night": p.night.isoformat(),
                "start": p.start.isoformat(),
                "end": p.end.isoformat(),
                "short_count": p.short_count,
                "uncovered_count": p.uncovered_count,
                "slots": [
                    {
                        "index": slot.index,
                        "start": slot.start.isoformat(),
                        "end": slot.end.isoformat(),
                        "shift": shift(slot.shift),
                    }
                    for slot in p.slots
                ],
            }
            for p in board.plans
        ],
    }


class CoverageSerializer(serializers.Serializer):
    zone = serializers.CharField()
    plan = serializers.CharField()
    at = serializers.DateTimeField()
    covered = serializers.BooleanField(
        help_text="Whether a precinct holds the zone at that instant."
    )
    precinct = PrecinctSerializer(allow_null=True)
    shift = ShiftSerializer(allow_null=True)


# --- requests -----------------------------------------------------------------------


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


# --- feed tokens --------------------------------------------------------------------


class FeedTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedToken
        fields = ["id", "name", "created_at", "last_used_at"]


class FeedTokenCreateSerializer(JSONInputSerializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)


class FeedTokenCreatedSerializer(FeedTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="The secret: add ?token=<it> to /calendar/precincts/<code>.ics or "
        "/calendar/zones/<code>.ics. Shown only now.",
    )

    class Meta(FeedTokenSerializer.Meta):
        fields = [*FeedTokenSerializer.Meta.fields, "token"]


# --- plans --------------------------------------------------------------------------


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


class FairnessSerializer(serializers.Serializer):
    plan = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    uncovered = serializers.IntegerField()
    minute_spread = serializers.IntegerField(
        help_text="Most minus fewest minutes held by a member over the range."
    )
    members = MemberFairnessSerializer(many=True)


def fairness_dict(report, codes: dict[int, str]) -> dict:
    return {
        "plan": report.plan.code,
        "start": report.first.isoformat(),
        "end": report.last.isoformat(),
        "uncovered": report.uncovered,
        "minute_spread": report.minute_spread,
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
            }
            for m in report.members
        ],
    }
