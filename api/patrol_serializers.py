"""API serializers for the night: module-level, uniquely named, shape not policy.

Instants are written in the plan's time zone with their offset, like the shifts'.
"""

from operator import attrgetter

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from api.serializers import JSONInputSerializer
from common import dates
from patrols.models import (
    CheckIn,
    CheckInKind,
    Incident,
    IncidentCategory,
    MorningReport,
    PatrolReport,
    ReportRevision,
)


class PlanTimeField(serializers.DateTimeField):
    """An instant on the wall clock of the plan found at `plan_path`."""

    def __init__(self, plan_path: str, **kwargs):
        self.plan_path = plan_path
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return value, attrgetter(self.plan_path)(instance)

    def to_representation(self, value):
        instant, plan = value
        if instant is None:
            return None
        return timezone.localtime(instant, plan.tz).isoformat()


class PatrolOfficerSerializer(serializers.Serializer):
    nrp = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.CharField()


class CheckInSerializer(serializers.ModelSerializer):
    shift = serializers.IntegerField(source="shift_id")
    plan = serializers.CharField(source="shift.plan.code")
    precinct = serializers.CharField(source="shift.precinct.code", allow_null=True)
    night = serializers.DateField(source="shift.night")
    officer = PatrolOfficerSerializer()
    at = PlanTimeField("shift.plan")
    recorded_by = serializers.CharField(
        source="recorded_by.get_username", allow_null=True, default=None
    )

    class Meta:
        model = CheckIn
        fields = [
            "id",
            "shift",
            "plan",
            "precinct",
            "night",
            "officer",
            "kind",
            "at",
            "latitude",
            "longitude",
            "accuracy_m",
            "on_behalf",
            "recorded_by",
        ]


class CheckInCreateSerializer(JSONInputSerializer):
    shift = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=CheckInKind.choices)
    officer = serializers.RegexField(
        r"^[0-9]{8}$",
        required=False,
        help_text="The officer's NRP; leave out to check yourself in. Another "
        "officer's check-in is recorded on their behalf (duty officers).",
    )
    at = serializers.DateTimeField(
        required=False,
        help_text="Leave out for now (your own check-ins always are).",
        validators=[dates.check_request_date],
    )
    # Floats, rounded to the stored 9 decimals by the service: a client's GPS
    # reading has more digits than the column and must not be refused for it.
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False)
    accuracy_m = serializers.FloatField(min_value=0, max_value=100_000, required=False)
    made_ago_s = serializers.IntegerField(
        min_value=0,
        max_value=86_400,
        required=False,
        help_text="Made offline: seconds since it was made, by the client's own clock; "
        "recorded at that time.",
    )
    client_key = serializers.UUIDField(
        required=False,
        help_text="A key the client made for this check-in: sent again, it is "
        "recorded once (the first is returned).",
    )


class PatrolIncidentSerializer(serializers.ModelSerializer):
    report = serializers.IntegerField(source="report_id")
    shift = serializers.IntegerField(source="report.shift_id")
    plan = serializers.CharField(source="report.shift.plan.code")
    precinct = serializers.CharField(
        source="report.shift.precinct.code", allow_null=True
    )
    night = serializers.DateField(source="report.shift.night")
    occurred_at = PlanTimeField("report.shift.plan")

    class Meta:
        model = Incident
        fields = [
            "id",
            "report",
            "shift",
            "plan",
            "precinct",
            "night",
            *Incident.CONTENT_FIELDS,
        ]


class NestedIncidentSerializer(serializers.ModelSerializer):
    """An incident inside its report (the report's plan gives the clock)."""

    occurred_at = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            *Incident.CONTENT_FIELDS,
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_occurred_at(self, incident) -> str:
        return timezone.localtime(incident.occurred_at, self.context["tz"]).isoformat()


class IncidentInputSerializer(JSONInputSerializer):
    category = serializers.ChoiceField(choices=IncidentCategory.choices)
    occurred_at = serializers.DateTimeField(validators=[dates.check_request_date])
    people_involved = serializers.IntegerField(
        min_value=0, max_value=100_000, default=0
    )
    weapons_seized = serializers.IntegerField(min_value=0, max_value=100_000, default=0)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    # Floats, rounded to the stored 9 decimals by the service: a client's GPS
    # reading has more digits than the column and must not be refused for it.
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False)


class PatrolReportSerializer(serializers.ModelSerializer):
    shift = serializers.IntegerField(source="shift_id")
    plan = serializers.CharField(source="shift.plan.code")
    precinct = serializers.CharField(source="shift.precinct.code", allow_null=True)
    night = serializers.DateField(source="shift.night")
    started_at = PlanTimeField("shift.plan")
    ended_at = PlanTimeField("shift.plan")
    acknowledged_at = PlanTimeField("shift.plan", allow_null=True)
    author = serializers.CharField(
        source="author.get_username", allow_null=True, default=None
    )
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.get_username", allow_null=True, default=None
    )
    present = PatrolOfficerSerializer(many=True)
    incidents = serializers.SerializerMethodField()

    class Meta:
        model = PatrolReport
        fields = [
            "id",
            "shift",
            "plan",
            "precinct",
            "night",
            "status",
            "version",
            "started_at",
            "ended_at",
            "summary",
            "present",
            "incidents",
            "author",
            "acknowledged_by",
            "acknowledged_at",
        ]

    @extend_schema_field(NestedIncidentSerializer(many=True))
    def get_incidents(self, report) -> list[dict]:
        return NestedIncidentSerializer(
            report.incidents.all(), many=True, context={"tz": report.shift.plan.tz}
        ).data


class ReportRevisionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(
        source="changed_by.get_username", allow_null=True, default=None
    )
    changed_at = PlanTimeField("report.shift.plan")

    class Meta:
        model = ReportRevision
        fields = ["version", "action", "changed_by", "changed_at", "changes", "note"]


class PatrolReportDetailSerializer(PatrolReportSerializer):
    revisions = ReportRevisionSerializer(many=True)

    class Meta(PatrolReportSerializer.Meta):
        fields = [*PatrolReportSerializer.Meta.fields, "revisions"]


class PatrolReportCreateSerializer(JSONInputSerializer):
    shift = serializers.IntegerField(min_value=1)
    started_at = serializers.DateTimeField(
        required=False,
        help_text="Leave out to take it from the check-ins.",
        validators=[dates.check_request_date],
    )
    ended_at = serializers.DateTimeField(
        required=False,
        help_text="Leave out to take it from the check-ins.",
        validators=[dates.check_request_date],
    )
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    present = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]{8}$"),
        required=False,
        help_text="NRPs of the officers at the post; leave out to take them from "
        "the check-ins.",
    )
    incidents = IncidentInputSerializer(many=True, required=False, default=list)


class PatrolReportCorrectSerializer(JSONInputSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; 400 if it changed since."
    )
    started_at = serializers.DateTimeField(
        required=False, validators=[dates.check_request_date]
    )
    ended_at = serializers.DateTimeField(
        required=False, validators=[dates.check_request_date]
    )
    summary = serializers.CharField(required=False, allow_blank=True)
    present = serializers.ListField(
        child=serializers.RegexField(r"^[0-9]{8}$"), required=False
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class IncidentFeatureSerializer(serializers.Serializer):
    type = serializers.CharField(help_text='Always "Feature".')
    id = serializers.IntegerField()
    geometry = serializers.DictField(
        help_text='{"type": "Point", "coordinates": [longitude, latitude]}'
    )
    properties = PatrolIncidentSerializer()


@extend_schema_serializer(many=False)
class IncidentFeatureCollectionSerializer(serializers.Serializer):
    """One document, not pages (see api.patrols.IncidentViewSet.list)."""

    type = serializers.CharField(help_text='Always "FeatureCollection".')
    features = IncidentFeatureSerializer(many=True)
    truncated = serializers.BooleanField(
        help_text="True when more located incidents match: narrow the filters."
    )


class MorningReportSerializer(serializers.ModelSerializer):
    plan = serializers.CharField(source="plan.code")
    generated_at = PlanTimeField("plan")

    class Meta:
        model = MorningReport
        fields = [
            "id",
            "plan",
            "night",
            "generated_at",
            "slot_count",
            "empty_post_count",
            "late_count",
            "absent_count",
            "incident_count",
            "missing_report_count",
        ]


class MorningReportDetailSerializer(MorningReportSerializer):
    data = serializers.JSONField(
        help_text="Slots and holders with each officer's arrival, handovers, "
        "punctuality, empty posts, incidents and missing reports. A slot whose "
        "`personnel_visible` is false shows its officers without `id`, `name` and "
        "`rank` (null) and its report without `author`."
    )

    class Meta(MorningReportSerializer.Meta):
        fields = [*MorningReportSerializer.Meta.fields, "data"]
