"""shifts/departures/: shifts that left their holder, in the order of changes.

A shift handed to another precinct, left uncovered or deleted leaves a departure
(schedules.positions). A mirror that keeps one precinct's shifts (shifts/?precinct=)
pulls this list too, with a watermark of its own, and drops the shifts that left:
shifts/ filtered by precinct no longer shows them.
"""

import datetime as dt

from django.db.models import F
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView

from api.pagination import ShiftChangePagination
from api.renderers import FastJSONRenderer
from api.views import ClientMixin
from schedules.models import RotationPlan


class ShiftDepartureSerializer(serializers.Serializer):
    shift = serializers.IntegerField(help_text="The shift's id (it may be gone).")
    precinct = serializers.CharField(help_text="The precinct it left.")
    plan = serializers.CharField(allow_null=True, help_text="Null if deleted since.")
    start = serializers.DateTimeField(help_text="The shift's times when it left.")
    end = serializers.DateTimeField()
    left_at = serializers.DateTimeField()


def _iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat()


class DepartureListView(ClientMixin, GenericAPIView):
    pagination_class = ShiftChangePagination
    renderer_classes = [FastJSONRenderer]
    serializer_class = ShiftDepartureSerializer
    filter_backends = []

    def get_queryset(self):
        return self.client.visible_departures()

    @extend_schema(
        summary="Shifts that left their holder",
        description="Each time a shift is handed to another precinct, left "
        "uncovered or deleted, the precinct it left gets a row here, in the same "
        "order of changes as shifts/ (`cursor`, `since`, `watermark`).",
        parameters=[
            OpenApiParameter("precinct", str, description="Only this precinct's.")
        ],
    )
    def get(self, request):
        departures = self.get_queryset()
        code = request.query_params.get("precinct")
        if code is not None:
            precinct = self.client.visible_precincts().filter(code=code).first()
            if precinct is None:
                raise exceptions.ValidationError(
                    {"precinct": [_("No precinct you may see has this code.")]}
                )
            departures = departures.filter(precinct=precinct)
        page = self.paginate_queryset(
            departures.values(
                "id",
                "change_tx",
                "shift_id",
                "plan_id",
                "start",
                "end",
                "departed_at",
                precinct_code=F("precinct__code"),
            )
        )
        plans = dict(
            RotationPlan.objects.filter(
                pk__in={row["plan_id"] for row in page}
            ).values_list("pk", "code")
        )
        return self.get_paginated_response(
            [
                {
                    "shift": row["shift_id"],
                    "precinct": row["precinct_code"],
                    "plan": plans.get(row["plan_id"]),
                    "start": _iso(row["start"]),
                    "end": _iso(row["end"]),
                    "left_at": _iso(row["departed_at"]),
                }
                for row in page
            ]
        )
