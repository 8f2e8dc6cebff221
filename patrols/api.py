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

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, pagination, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.access import Client
from api.filters import StrictFilterSet
from api.pagination import StrictPageSizeMixin
from api.views import ClientMixin, GeoJSONRenderer
from common import dates
from patrols import access, selectors, services
from patrols import serializers as patrol_serializers
from patrols.models import CheckIn, Incident, MorningReport, PatrolReport
from precincts.models import Officer
from schedules.models import Shift

# --- what a client may see -----------------------------------------------------------


def personnel_shifts(client: Client) -> QuerySet[Shift]:
    if client.is_person:
        return access.personnel_shifts(client.user)
    shifts = client.visible_shifts()
    if client.key.has_personnel and client.unrestricted:
        return shifts
    return shifts.filter(precinct_id__in=client.personnel_precinct_ids)


def visible_checkins(client: Client) -> QuerySet[CheckIn]:
    if client.is_person:
        return access.visible_checkins(client.user)
    return CheckIn.objects.filter(shift__in=personnel_shifts(client).values("pk"))


def visible_reports(client: Client) -> QuerySet[PatrolReport]:
    if client.is_person:
        return access.visible_reports(client.user)
    return PatrolReport.objects.filter(shift__in=personnel_shifts(client).values("pk"))


def visible_incidents(client: Client) -> QuerySet[Incident]:
    return Incident.objects.filter(report__in=visible_reports(client).values("pk"))


def visible_morning_reports(client: Client) -> QuerySet[MorningReport]:
    if client.is_person:
        return access.visible_morning_reports(client.user)
    if not client.key.has_personnel:
        return MorningReport.objects.none()
    return MorningReport.objects.filter(plan__in=client.visible_plans().values("pk"))


# --- filters and pages ---------------------------------------------------------------


def _visible(method):
    def queryset(request):
        if request is None:
            return None
        return getattr(Client.of(request), method)()

    return queryset


def night_filterset(model, shift_path: str | None):
    """plan, precinct, night, night_after and night_before on `model`, whose
    shift is at `shift_path` (None: the model has plan and night itself)."""
    prefix = f"{shift_path}__" if shift_path else ""
    fields = {
        "night": django_filters.DateFilter(
            field_name=f"{prefix}night",
            help_text=gettext_lazy("One duty night."),
            validators=[dates.check_request_date],
        ),
        "night_after": django_filters.DateFilter(
            field_name=f"{prefix}night",
            lookup_expr="gte",
            help_text=gettext_lazy("Duty nights from this one (YYYY-MM-DD)."),
            validators=[dates.check_request_date],
        ),
        "night_before": django_filters.DateFilter(
            field_name=f"{prefix}night",
            lookup_expr="lte",
            help_text=gettext_lazy("Duty nights up to this one (YYYY-MM-DD)."),
            validators=[dates.check_request_date],
        ),
        "plan": django_filters.ModelChoiceFilter(
            field_name=f"{prefix}plan",
            to_field_name="code",
            queryset=_visible("visible_plans"),
            help_text=gettext_lazy("Plan code."),
        ),
    }
    if shift_path:
        fields["precinct"] = django_filters.ModelChoiceFilter(
            field_name=f"{prefix}precinct",
            to_field_name="code",
            queryset=_visible("visible_precincts"),
            help_text=gettext_lazy("Holding precinct's code."),
        )
    meta = type("Meta", (), {"model": model, "fields": []})
    name = f"{model.__name__}NightFilter"
    return type(name, (StrictFilterSet,), {**fields, "Meta": meta})


CheckInFilter = night_filterset(CheckIn, "shift")
PatrolReportFilter = night_filterset(PatrolReport, "shift")
IncidentFilter = night_filterset(Incident, "report__shift")
MorningReportFilter = night_filterset(MorningReport, None)


def cursor(order: str):
    """Newest first, no COUNT(*): these tables grow every night."""
    return type(
        f"Cursor{order.strip('-').title().replace('_', '')}",
        (StrictPageSizeMixin, pagination.CursorPagination),
        {
            "ordering": (order, "-id"),
            "page_size": 100,
            "page_size_query_param": "page_size",
            "max_page_size": 500,
        },
    )


# --- check-ins ------------------------------------------------------------------------

CHECKIN_EXAMPLE = OpenApiExample(
    "An officer arrived",
    value={
        "id": 7,
        "shift": 41,
        "plan": "bkb-malam",
        "precinct": "tambora",
        "night": "2024-01-22",
        "officer": {"nrp": "80010001", "name": "Andi Saputra", "rank": "bripda"},
        "kind": "arrive",
        "at": "2024-01-22T23:58:12+07:00",
        "latitude": "-6.143210",
        "longitude": "106.801234",
        "accuracy_m": 12,
        "on_behalf": False,
        "recorded_by": "bripda.tambora",
    },
    response_only=True,
)


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
        )
        checkin = self.get_queryset().get(pk=checkin.pk)
        return Response(
            patrol_serializers.CheckInSerializer(checkin).data,
            status=status.HTTP_201_CREATED,
        )


# --- reports --------------------------------------------------------------------------

REPORT_EXAMPLE = OpenApiExample(
    "A submitted report",
    value={
        "id": 3,
        "shift": 41,
        "plan": "bkb-malam",
        "precinct": "tambora",
        "night": "2024-01-22",
        "status": "submitted",
        "version": 1,
        "started_at": "2024-01-23T00:00:00+07:00",
        "ended_at": "2024-01-23T01:00:00+07:00",
        "summary": "Two groups dispersed near the bridge.",
        "present": [{"nrp": "80010001", "name": "Andi Saputra", "rank": "bripda"}],
        "incidents": [
            {
                "id": 9,
                "category": "crowd_dispersed",
                "occurred_at": "2024-01-23T00:40:00+07:00",
                "people_involved": 25,
                "weapons_seized": 2,
                "description": "Near the bridge.",
                "latitude": "-6.143200",
                "longitude": "106.801200",
            }
        ],
        "author": "bripda.tambora",
        "acknowledged_by": None,
        "acknowledged_at": None,
    },
    response_only=True,
)


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


INCIDENT_EXAMPLE = OpenApiExample(
    "A weapon seized",
    value={
        "id": 9,
        "report": 3,
        "shift": 41,
        "plan": "bkb-malam",
        "precinct": "tambora",
        "night": "2024-01-22",
        "category": "weapon_seized",
        "occurred_at": "2024-01-23T00:40:00+07:00",
        "people_involved": 3,
        "weapons_seized": 1,
        "description": "A machete taken from a youth near the bridge.",
        "latitude": "-6.143200",
        "longitude": "106.801200",
    },
    response_only=True,
)


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


# --- morning reports ------------------------------------------------------------------


def _example_slot(slot: int, precinct: dict, officer: dict, author) -> dict:
    start, end = (
        f"2024-01-23T0{slot}:00:00+07:00",
        f"2024-01-23T0{slot + 1}:00:00+07:00",
    )
    return {
        "slot": slot,
        "shift": 41 + slot,
        "start": start,
        "end": end,
        "status": "scheduled",
        "reason": "rotation",
        "precinct": precinct,
        "personnel_visible": officer["name"] is not None,
        "officers": [
            officer
            | {
                "role": "leader",
                "arrival": "on_time",
                "arrived_at": start,
                "minutes_late": 0,
                "left_at": end,
                "on_behalf": False,
            }
        ],
        "rostered": 1,
        "min_officers": 1,
        "empty_minutes": 0,
        "post_empty": False,
        "report": {"id": 3 + slot, "status": "submitted", "author": author},
    }


MORNING_REPORT_EXAMPLE = OpenApiExample(
    "As a key restricted to Tambora reads it",
    value={
        "id": 12,
        "plan": "bkb-malam",
        "night": "2024-01-22",
        "generated_at": "2024-01-23T05:30:00+07:00",
        "slot_count": 2,
        "empty_post_count": 0,
        "late_count": 0,
        "absent_count": 0,
        "incident_count": 1,
        "missing_report_count": 0,
        "data": {
            "plan": {"id": 1, "code": "bkb-malam", "name": "Patroli stasioner BKB"},
            "night": "2024-01-22",
            "time_zone": "Asia/Jakarta",
            "window": {
                "start": "2024-01-23T00:00:00+07:00",
                "end": "2024-01-23T02:00:00+07:00",
            },
            "generated_at": "2024-01-23T05:30:00+07:00",
            "slots": [
                _example_slot(
                    0,
                    {"id": 1, "code": "tambora", "name": "Polsek Tambora"},
                    {"id": 7, "name": "Andi Saputra", "rank": "Bripda"},
                    "piket.tambora",
                ),
                _example_slot(
                    1,
                    {"id": 3, "code": "gambir", "name": "Polsek Gambir"},
                    {"id": None, "name": None, "rank": None},
                    None,
                ),
            ],
            "handovers": [
                {
                    "at": "2024-01-23T01:00:00+07:00",
                    "from": "tambora",
                    "to": "gambir",
                    "status": "overlap",
                    "next_arrived_at": "2024-01-23T01:00:00+07:00",
                    "previous_left_at": "2024-01-23T01:00:00+07:00",
                    "gap_minutes": 0,
                }
            ],
            "punctuality": {
                "rostered": 2,
                "on_time": 2,
                "late": 0,
                "absent": 0,
                "on_time_percent": 100,
                "by_precinct": {
                    "tambora": {"on_time": 1, "late": 0, "absent": 0},
                    "gambir": {"on_time": 1, "late": 0, "absent": 0},
                },
            },
            "empty_posts": [],
            "incidents": [
                {
                    "id": 5,
                    "slot": 1,
                    "precinct": "gambir",
                    "category": "brawl_prevented",
                    "occurred_at": "2024-01-23T01:40:00+07:00",
                    "people_involved": 6,
                    "weapons_seized": 0,
                    "description": None,
                    "latitude": -6.1364,
                    "longitude": 106.8097,
                    "details_visible": False,
                }
            ],
            "missing_reports": [],
        },
    },
    response_only=True,
)


@extend_schema_view(
    list=extend_schema(
        summary="Morning reports: one per plan and duty night",
        description="Commanders, administrators and API keys with a personnel "
        "scope. Newest night first.",
        examples=[
            OpenApiExample(
                "One night of the canal plan",
                value={
                    "id": 12,
                    "plan": "bkb-malam",
                    "night": "2024-01-22",
                    "generated_at": "2024-01-23T05:30:00+07:00",
                    "slot_count": 5,
                    "empty_post_count": 1,
                    "late_count": 2,
                    "absent_count": 0,
                    "incident_count": 1,
                    "missing_report_count": 0,
                },
                response_only=True,
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One morning report with its contents",
        description="Officers are named only where the client sees the holder's "
        "roster, as on shifts/: each slot's `personnel_visible` says so. Where it "
        "is false, the slot's officers keep `role` and their punctuality but "
        "`id`, `name` and `rank` are null, and the patrol report's `author` is "
        "null: a key restricted to a precinct, or a person, sees only its own "
        "precincts' people; an unrestricted personnel key and a commander see "
        "every member's. An incident's free-text `description` follows the same "
        "rule (`details_visible`); its category, time and counts always show.",
        responses={200: patrol_serializers.MorningReportDetailSerializer},
        examples=[MORNING_REPORT_EXAMPLE],
    ),
)
class MorningReportViewSet(ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = patrol_serializers.MorningReportSerializer
    filterset_class = MorningReportFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return (
            visible_morning_reports(self.client)
            .select_related("plan")
            .order_by("-night", "plan__name", "pk")
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return patrol_serializers.MorningReportDetailSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        report = self.get_object()
        # Stored once for the commanders, who see every member's people; each
        # client reads it through its own roster rule.
        report.data = selectors.morning_report_for(
            report.data, sees_roster_of=self.client.sees_roster_of
        )
        return Response(self.get_serializer(report).data)
