"""API v1: reference data, plans, blackouts, swaps and feed tokens.

Shifts, nights and coverage live in api/shifts.py. Every queryset comes from
api.access.Client, so a detail outside the client's view is a 404; a visible
object the client may not change is a 403 (from the services or the checks here).
"""

import datetime as dt
from functools import partial

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api import filters, parameters, plan_serializers, serializers
from api import services as api_services
from api.access import Client
from api.models import FeedToken
from api.pagination import PagePagination
from api.schema import GiliranAutoSchema
from precincts.models import Precinct
from schedules import nights, selectors
from schedules.models import Shift
from schedules.services import generation


def _release(view, response) -> None:
    view.__dict__.clear()
    response.renderer_context = None


class ClientMixin:
    schema = GiliranAutoSchema()
    pagination_class = PagePagination

    @property
    def client(self) -> Client:
        return Client.of(self.request)

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # DRF ties a view, its request and its response in reference cycles
        # (view.response; the response's renderer_context, which holds the view,
        # the request and the response itself; the request's parser_context
        # ["view"]: DRF issue 5826), so a response's data and the rows it was
        # built from outlived the request until the cyclic garbage collector came
        # by, and every collection on the way walked them: about a tenth of a
        # zone-month's CPU. Once the response has been sent (Django closes it
        # then), the view and the response let go of each other, and all of it
        # is freed at once.
        response._resource_closers.append(partial(_release, self, response))
        return response

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["client"] = self.client
        return context

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if getattr(self, "action", None) == "list":
            parameters.refuse_unknown(self, request)

    def perform_content_negotiation(self, request, force=False):
        # DRF ignores an empty ?format=; the schema lists the formats it takes.
        if not force and request.query_params.get("format") == "":
            raise exceptions.ValidationError(
                {"format": [_("Leave format out, or name one: json, geojson.")]}
            )
        return super().perform_content_negotiation(request, force)

    def require_asker(self) -> None:
        """Blackouts and swaps are asked by people or by write-scoped keys (which
        the request services limit to their precincts); decided by people only."""
        key = self.client.key
        if key is not None and not key.can_write:
            raise PermissionDenied(
                _("Asking for a blackout or swap needs a key with the write scope.")
            )

    def require_person(self) -> None:
        """Requests and decisions are made by people, not by system keys."""
        if not self.client.is_person:
            raise PermissionDenied(
                _("Blackouts and swaps are asked and decided by a person: log in.")
            )


# --- reference data ---------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Commands (Polres) the client may see"),
    retrieve=extend_schema(summary="One command, by code"),
)
class CommandViewSet(ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.CommandSerializer
    lookup_field = "code"

    def get_queryset(self):
        return self.client.visible_commands().order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="Precincts (Polsek): own ones and joint-plan partners"),
    retrieve=extend_schema(summary="One precinct, by code"),
)
class PrecinctViewSet(ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.PrecinctSerializer
    lookup_field = "code"

    def get_queryset(self):
        return (
            self.client.visible_precincts()
            .select_related("command")
            .order_by("name", "pk")
        )


class GeoJSONRenderer(JSONRenderer):
    media_type = "application/geo+json"
    format = "geojson"


def zone_feature(zone) -> dict:
    return {
        "type": "Feature",
        "id": zone.code,
        "geometry": zone.geometry or zone.post_location,
        "properties": {
            "code": zone.code,
            "name": zone.name,
            "kelurahan": zone.kelurahan,
            "kecamatan": zone.kecamatan,
            "risk_level": zone.risk_level,
            "precincts": [p.code for p in zone.precincts.all()],
            "post_location": zone.post_location,
        },
    }


GEOJSON_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "geojson"],
    description="`geojson` answers with a GeoJSON FeatureCollection (or Feature).",
)


@extend_schema_view(
    list=extend_schema(
        summary="Zones (patrol areas and posts)",
        parameters=[GEOJSON_PARAMETER],
        responses={
            (200, "application/json"): serializers.ZoneSerializer(many=True),
            (200, "application/geo+json"): serializers.ZoneFeatureCollectionSerializer,
        },
    ),
    retrieve=extend_schema(
        summary="One zone, by code",
        parameters=[GEOJSON_PARAMETER],
        responses={
            (200, "application/json"): serializers.ZoneSerializer,
            (200, "application/geo+json"): serializers.ZoneFeatureSerializer,
        },
    ),
)
class ZoneViewSet(ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.ZoneSerializer
    lookup_field = "code"
    renderer_classes = [JSONRenderer, GeoJSONRenderer]
    # Zones are reference data, a few per city: one bounded list, like the
    # GeoJSON FeatureCollection, rather than pages.
    pagination_class = None
    max_zones = 1000

    def get_queryset(self):
        return (
            self.client.visible_zones()
            .prefetch_related("precincts")
            .order_by("name", "pk")
        )

    def _geojson(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", "") == "geojson"

    def list(self, request, *args, **kwargs):
        if self._geojson():
            # Zones are few: a FeatureCollection is one document, not pages.
            return Response(
                {
                    "type": "FeatureCollection",
                    "features": [zone_feature(z) for z in self._zones()],
                }
            )
        return Response(self.get_serializer(self._zones(), many=True).data)

    def _zones(self):
        return self.filter_queryset(self.get_queryset())[: self.max_zones]

    def retrieve(self, request, *args, **kwargs):
        if self._geojson():
            return Response(zone_feature(self.get_object()))
        return super().retrieve(request, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(
        summary="Officers (personnel)",
        description="Only the client's own precincts' officers, and only for "
        "commanders, duty officers and keys with a personnel or write scope.",
    ),
    retrieve=extend_schema(summary="One officer, by NRP"),
)
class OfficerViewSet(ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.OfficerSerializer
    lookup_field = "nrp"
    lookup_value_regex = r"[0-9]{8}"
    filterset_class = filters.OfficerFilter
    # A key without the personnel scope is a 403 here (the schema says so).
    read_needs_scope = True

    def get_queryset(self):
        key = self.client.key
        # A key without personnel scope may read nobody: say so, not an empty list.
        if key is not None and not key.has_personnel:
            raise exceptions.PermissionDenied(
                _("This key's scope does not include personnel.")
            )
        return (
            self.client.visible_officers()
            .select_related("precinct")
            .order_by("precinct__name", "name", "pk")
        )


# --- plans ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Rotation plans the client may see"),
    retrieve=extend_schema(summary="One plan, by code"),
)
class PlanViewSet(ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.PlanSerializer
    lookup_field = "code"

    def get_queryset(self):
        return (
            self.client.visible_plans()
            .select_related("zone")
            .prefetch_related("memberships__precinct")
            .order_by("name", "pk")
        )

    @extend_schema(
        summary="The plan's fairness report over a range of duty nights",
        parameters=[plan_serializers.FairnessQuerySerializer],
        responses={200: plan_serializers.FairnessSerializer},
    )
    @action(detail=True, methods=["get"])
    def fairness(self, request, code=None):
        plan = self.get_object()
        query = plan_serializers.FairnessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("end") or nights.tonight(
            timezone.now(), plan.window_start, plan.window_end, plan.tz
        )
        start = query.validated_data.get("start") or end - dt.timedelta(days=27)
        if end < start:
            raise exceptions.ValidationError(
                {"start": [_("The start is after the end.")]}
            )
        report = selectors.fairness_report(plan=plan, first=start, last=end)
        codes = {m.precinct_id: m.precinct.code for m in plan.memberships.all()}
        return Response(plan_serializers.fairness_dict(report, codes))

    @extend_schema(
        summary="Generate or regenerate the plan's shifts now",
        description="Commanders of a member precinct, administrators and write "
        "keys. Past, started, locked, swapped and hand-edited shifts are kept; "
        "running it twice changes nothing.",
        request=plan_serializers.GenerateSerializer,
        responses={200: plan_serializers.GenerationResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, code=None):
        plan = self.get_object()
        if not self.client.can_generate(plan):
            raise PermissionDenied(_("Only commanders generate this plan's shifts."))
        data = valid_input(plan_serializers.GenerateSerializer, request)
        result = generation.generate_shifts(
            plan=plan,
            start=data.get("start"),
            nights=data.get("nights"),
            dry_run=data["dry_run"],
        )
        return Response(plan_serializers.generation_dict(result))


# --- feed tokens ----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="The client's calendar feed tokens (secrets not shown)"),
    create=extend_schema(
        summary="Create a calendar feed token",
        description="The answer holds the secret and the feed URLs: the only time "
        "they are shown.",
        request=serializers.FeedTokenCreateSerializer,
        responses={201: serializers.FeedTokenCreatedSerializer},
    ),
    destroy=extend_schema(summary="Revoke a feed token", responses={204: None}),
)
class FeedTokenViewSet(
    ClientMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.FeedTokenSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FeedToken.objects.none()
        client = self.client
        tokens = FeedToken.objects.filter(revoked_at__isnull=True)
        if client.key is not None:
            return tokens.filter(api_key=client.key).order_by("-created_at", "pk")
        return tokens.filter(user=client.user).order_by("-created_at", "pk")

    def create(self, request, *args, **kwargs):
        data = valid_input(serializers.FeedTokenCreateSerializer, request)
        client = self.client
        token, secret = api_services.create_feed_token(
            user=None if client.key else request.user,
            api_key=client.key,
            name=data.get("name", ""),
        )
        body = serializers.FeedTokenSerializer(token).data
        body["token"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        api_services.revoke_feed_token(token=instance)


# --- helpers ---------------------------------------------------------------------


def valid_input(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def visible_precinct(client: Client, code: str, field: str) -> Precinct:
    precinct = client.visible_precincts().filter(code=code).first()
    if precinct is None:
        raise exceptions.ValidationError({field: [_("No such precinct.")]})
    return precinct


def visible_shift(shifts, pk: int, field: str) -> Shift:
    shift = shifts.select_related("plan", "precinct").filter(pk=pk).first()
    if shift is None:
        raise exceptions.ValidationError({field: [_("No such shift.")]})
    return shift
