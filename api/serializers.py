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
from precincts.models import Command, Officer, Precinct, Rank, Zone
from schedules.models import (
    AssignmentRole,
    Reason,
    RotationPlan,
    ShiftStatus,
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


# --- requests -----------------------------------------------------------------------


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
