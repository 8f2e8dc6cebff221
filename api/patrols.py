"""API v1 for the night: check-ins, patrol reports, incidents, morning reports.

Registered on api/urls.py's router and built on its conventions: api.access.Client
for people and API keys, the one error shape, cursor pagination for the tables
that grow without bound, filters by plan, precinct and night range.

Check-ins, reports and incidents name officers, so they follow the roster rule of
patrols.access; an API key needs a personnel scope and sees its own precincts'
(all, when unrestricted). Morning reports are for commanders, administrators and
personnel keys; a key restricted to precincts reads their officers only (partner
precincts' slots come without names, as on shifts/). Writes are made by people (a
check-in or a report has an author), never by keys.
"""

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api import patrol_serializers
from api.access import (
    Client,
    visible_checkins,
    visible_incidents,
    visible_reports,
)
from api.filters import (
    CheckInFilter,
    IncidentFilter,
    PatrolReportFilter,
    cursor,
)
from api.patrol_examples import (
    CHECKIN_EXAMPLE,
    INCIDENT_EXAMPLE,
    REPORT_EXAMPLE,
)
from api.views import ClientMixin, GeoJSONRenderer
from patrols import services
from patrols.models import Incident
from precincts.models import Officer
from schedules.models import Shift

# --- check-ins ------------------------------------------------------------------------


def _officer_for(client: Client, nrp: str | None) -> Officer:
    if nrp is None:
        officer = Officer.objects.filter(user=client.user).first()
        if officer is None:
            raise exceptions.ValidationError(
                {"officer": [_("Your login is not an officer's: give an NRP.")]}
            )
        return officer
    officer = (
        client.visible_officers().filter(nrp=nrp).first()
        or Officer.objects.filter(user=client.user, nrp=nrp).first()
    )
    if officer is None:
        raise exceptions.ValidationError({"officer": [_("No such officer.")]})
    return officer


def _shift_for(client: Client, pk: int, field: str = "shift") -> Shift:
    shift = client.visible_shifts().select_related("plan", "precinct").filter(pk=pk)
    shift = shift.first()
    if shift is None:
        raise exceptions.ValidationError({field: [_("No such shift.")]})
    return shift


@extend_schema_view(
    list=extend_schema(
        summary="Check-ins: officers arriving at and leaving the post",
        description="Newest first, cursor-paginated. An officer sees their own; "
        "duty officers those of their precinct's shifts; commanders those of "
        "every plan they see; API keys need a personnel scope.",
        examples=[CHECKIN_EXAMPLE],
    ),
    retrieve=extend_schema(summary="One check-in", examples=[CHECKIN_EXAMPLE]),
    create=extend_schema(
        summary="Check in (or out) at the post",
        description="Your own check-in is recorded at the current time. A duty "
        "officer of the shift's precinct may record one for an officer without a "
        "phone (marked `on_behalf`), with an earlier `at`. Only within the shift "
        "± the plan's grace period. People only, not API keys.",
        request=patrol_serializers.CheckInCreateSerializer,
        responses={201: patrol_serializers.CheckInSerializer},
        examples=[
            OpenApiExample(
                "Arrive with a location",
                value={
                    "shift": 41,
                    "kind": "arrive",
                    "latitude": -6.14321,
                    "longitude": 106.801234,
                    "accuracy_m": 12,
                },
                request_only=True,
            )
        ],
    ),
)
class CheckInViewSet(
    ClientMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = patrol_serializers.CheckInSerializer
    filterset_class = CheckInFilter
    pagination_class = cursor("-at")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return visible_checkins(self.client).select_related(
            "officer", "shift__plan", "shift__precinct", "recorded_by"
        )

    def create(self, request, *args, **kwargs):
        self.require_person()
        serializer = patrol_serializers.CheckInCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        checkin = services.check_in(
            shift=_shift_for(self.client, data["shift"]),
            officer=_officer_for(self.client, data.get("officer")),
            kind=data["kind"],
            by=request.user,
            at=data.get("at"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            accuracy_m=data.get("accuracy_m"),
            made_ago=_seconds(data.get("made_ago_s")),
            client_key=data.get("client_key"),
        )
        checkin = self.get_queryset().get(pk=checkin.pk)
        return Response(
            patrol_serializers.CheckInSerializer(checkin).data,
            status=status.HTTP_201_CREATED,
        )


def _seconds(value: int | None) -> dt.timedelta | None:
    return None if value is None else dt.timedelta(seconds=value)


# --- reports --------------------------------------------------------------------------


def _present(shift: Shift, nrps) -> list[Officer] | None:
    if nrps is None:
        return None
    officers = list(
        Officer.objects.filter(nrp__in=nrps).filter(
            Q(assignments__shift=shift) | Q(precinct_id=shift.precinct_id)
        )
    )
    unknown = sorted(set(nrps) - {o.nrp for o in officers})
    if unknown:
        raise exceptions.ValidationError(
            {
                "present": [
                    _("Not on this shift or of its precinct: %(nrps)s.")
                    % {"nrps": ", ".join(unknown)}
                ]
            }
        )
    return list({o.pk: o for o in officers}.values())


@extend_schema_view(
    list=extend_schema(
        summary="Patrol reports, one per shift",
        description="Newest patrol first, cursor-paginated, with their incidents.",
        examples=[REPORT_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One patrol report with every revision",
        responses={200: patrol_serializers.PatrolReportDetailSerializer},
    ),
    create=extend_schema(
        summary="File the report of a shift",
        description="The shift's leader or its precinct's duty officer, once the "
        "shift has started. Times and presence left out come from the check-ins.",
        request=patrol_serializers.PatrolReportCreateSerializer,
        responses={201: patrol_serializers.PatrolReportDetailSerializer},
    ),
)
class PatrolReportViewSet(
    ClientMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = patrol_serializers.PatrolReportSerializer
    filterset_class = PatrolReportFilter
    pagination_class = cursor("-started_at")
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        reports = (
            visible_reports(self.client)
            .select_related("shift__plan", "shift__precinct", "author")
            .select_related("acknowledged_by")
            .prefetch_related("present", "incidents")
        )
        if self.action == "retrieve":
            reports = reports.prefetch_related("revisions__changed_by")
        return reports

    def get_serializer_class(self):
        if self.action == "retrieve":
            return patrol_serializers.PatrolReportDetailSerializer
        return super().get_serializer_class()

    def _detail(self, report, code=status.HTTP_200_OK) -> Response:
        self.action = "retrieve"
        report = self.get_queryset().get(pk=report.pk)
        body = patrol_serializers.PatrolReportDetailSerializer(report).data
        return Response(body, status=code)

    def create(self, request, *args, **kwargs):
        self.require_person()
        serializer = patrol_serializers.PatrolReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        shift = _shift_for(self.client, data["shift"])
        report = services.submit_report(
            shift=shift,
            by=request.user,
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            summary=data["summary"],
            present=_present(shift, data.get("present")),
            incidents=[dict(i) for i in data["incidents"]],
        )
        return self._detail(report, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Correct a report (a new version; the old one is kept)",
        description="Until a commander acknowledges it: the shift's leader or its "
        "precinct's duty officer; after that only a commander. Fields left out "
        "stay as they are. `version` must be the one you read.",
        request=patrol_serializers.PatrolReportCorrectSerializer,
        responses={200: patrol_serializers.PatrolReportDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        self.require_person()
        report = self.get_object()
        serializer = patrol_serializers.PatrolReportCorrectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        report = services.correct_report(
            report=report,
            by=request.user,
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            summary=data.get("summary"),
            present=_present(report.shift, data.get("present")),
            note=data.get("note", ""),
            expected_version=data["version"],
        )
        return self._detail(report)

    @extend_schema(
        summary="Acknowledge a report (commanders of the shift's precinct)",
        request=None,
        responses={200: patrol_serializers.PatrolReportDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        self.require_person()
        report = services.acknowledge_report(report=self.get_object(), by=request.user)
        return self._detail(report)


# --- incidents ------------------------------------------------------------------------

GEOJSON = OpenApiParameter(
    "format",
    str,
    enum=["json", "geojson"],
    description="`geojson`: a FeatureCollection of the located incidents (Points, "
    "newest first, at most 2000: narrow the filters when `truncated`).",
)


def incident_feature(incident: Incident) -> dict:
    return {
        "type": "Feature",
        "id": incident.pk,
        "geometry": {
            "type": "Point",
            "coordinates": [float(incident.longitude), float(incident.latitude)],
        },
        "properties": patrol_serializers.PatrolIncidentSerializer(incident).data,
    }


@extend_schema_view(
    list=extend_schema(
        summary="Incidents reported on patrols",
        description="Newest first, cursor-paginated; with `format=geojson`, one "
        "FeatureCollection of the located ones.",
        examples=[INCIDENT_EXAMPLE],
        parameters=[GEOJSON],
        responses={
            (200, "application/json"): patrol_serializers.PatrolIncidentSerializer(
                many=True
            ),
            (
                200,
                "application/geo+json",
            ): patrol_serializers.IncidentFeatureCollectionSerializer,
        },
    ),
    retrieve=extend_schema(summary="One incident", examples=[INCIDENT_EXAMPLE]),
)
class IncidentViewSet(ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = patrol_serializers.PatrolIncidentSerializer
    filterset_class = IncidentFilter
    pagination_class = cursor("-occurred_at")
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    lookup_value_regex = r"[0-9]+"
    max_features = 2000

    def get_queryset(self):
        return visible_incidents(self.client).select_related(
            "report__shift__plan", "report__shift__precinct"
        )

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", "") != "geojson":
            return super().list(request, *args, **kwargs)
        located = (
            self.filter_queryset(self.get_queryset())
            .filter(latitude__isnull=False, longitude__isnull=False)
            .order_by("-occurred_at", "-id")[: self.max_features + 1]
        )
        incidents = list(located)
        return Response(
            {
                "type": "FeatureCollection",
                "features": [
                    incident_feature(i) for i in incidents[: self.max_features]
                ],
                "truncated": len(incidents) > self.max_features,
            }
        )
