"""API v1 coverage/: who holds a zone (or the zone at a point) at an instant, and
over a range (`from`, `to`), as on-call APIs answer "who is on call between A and
B"."""

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema,
)
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api import board_serializers, rows
from api import serializers as api_serializers
from api.views import ClientMixin
from common import dates
from precincts import geo
from schedules.models import Shift, ShiftStatus

# A date and a time: a date alone is not an instant.
INSTANT = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")


# The longest range coverage/ answers (from= to=).
RANGE_DAYS = 31


class CoverageQuerySerializer(serializers.Serializer):
    zone = serializers.SlugField(required=False, help_text="Zone code.")
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lng = serializers.FloatField(required=False, min_value=-180, max_value=180)
    at = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 instant; default now.",
        validators=[dates.check_request_date],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # `from` is a Python keyword: declared here.
        self.fields["from"] = serializers.DateTimeField(
            required=False,
            help_text="With `to`: every holder over [from, to), at most "
            f"{RANGE_DAYS} days; `at` is then `from`.",
            validators=[dates.check_request_date],
        )
        self.fields["to"] = serializers.DateTimeField(
            required=False, validators=[dates.check_request_date]
        )

    def validate(self, attrs):
        # A query string is read like a form, where an empty value means "not
        # given"; here it is a mistake (zone= would silently ask by point).
        blank = {
            name: [_("This field may not be blank.")]
            for name in self.fields
            if self.initial_data.get(name) == ""
        }
        if blank:
            raise serializers.ValidationError(blank)
        for name in ("at", "from", "to"):
            raw = self.initial_data.get(name)
            if raw and not INSTANT.match(raw):
                # 2026-12-08 read as midnight is the previous night's last slot.
                detail = _(
                    "Give an instant with its time, e.g. 2026-12-08T01:30+07:00."
                )
                raise serializers.ValidationError({name: [detail]})
        self._check_range(attrs)
        has_point = "lat" in attrs and "lng" in attrs
        if not attrs.get("zone") and not has_point:
            raise serializers.ValidationError(
                _("Give zone=CODE, or lat= and lng= together.")
            )
        if ("lat" in attrs) != ("lng" in attrs):
            raise serializers.ValidationError(_("Give lat= and lng= together."))
        return attrs

    def _check_range(self, attrs) -> None:
        if ("from" in attrs) != ("to" in attrs):
            raise serializers.ValidationError(_("Give from= and to= together."))
        if "from" not in attrs:
            return
        if "at" in attrs:
            raise serializers.ValidationError(_("Give at=, or from= and to=."))
        span = attrs["to"] - attrs["from"]
        if not dt.timedelta(0) < span <= dt.timedelta(days=RANGE_DAYS):
            raise serializers.ValidationError(
                {
                    "to": [
                        _("to must come after from, at most %(days)d days on.")
                        % {"days": RANGE_DAYS}
                    ]
                }
            )


def holders(client, plans, start, end) -> dict[int, list[dict]]:
    """Each plan's live shifts over [start, end), in time order."""
    found: dict[int, list[dict]] = {plan.pk: [] for plan in plans}
    shifts = (
        client.visible_shifts()
        .filter(plan__in=plans, start__lt=end, end__gt=start)
        .exclude(status=ShiftStatus.CANCELLED)
        .select_related("precinct", "plan")
        .order_by("start", "pk")
    )
    for shift in shifts:
        tz = shift.plan.tz
        found[shift.plan_id].append(
            {
                "shift": shift.pk,
                "precinct": shift.precinct.code if shift.precinct_id else None,
                "start": timezone.localtime(shift.start, tz).isoformat(),
                "end": timezone.localtime(shift.end, tz).isoformat(),
                "status": shift.status,
            }
        )
    return found


class CoverageView(ClientMixin, APIView):
    # One row per plan of the zone: few, and never paged.
    pagination_class = None

    @extend_schema(
        summary="Who holds a zone at an instant, or over a range",
        description="For a command centre or dispatcher: for each plan of the zone "
        "(by code, or the zones whose area contains lat/lng), the holding "
        "precinct and shift at `at`, with officers where the client may see "
        "personnel.",
        parameters=[CoverageQuerySerializer],
        responses={200: board_serializers.CoverageSerializer(many=True)},
    )
    def get(self, request):
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        at = data.get("at") or data.get("from") or timezone.now()
        zones = self._zones(data)
        plans = list(
            self.client.visible_plans()
            .filter(zone__in=zones, active=True)
            .select_related("zone")
            .order_by("zone__name", "name")
        )
        shifts = {
            s.plan_id: s
            for s in self.client.visible_shifts()
            .filter(plan__in=plans, start__lte=at, end__gt=at)
            .exclude(status=ShiftStatus.CANCELLED)
            .select_related("precinct__command")
        }
        shown = {
            row["id"]: row
            for row in rows.rows_for(
                Shift.objects.filter(pk__in=[s.pk for s in shifts.values()]),
                self.client,
            )
        }
        over = (
            holders(self.client, plans, data["from"], data["to"])
            if "from" in data
            else {}
        )
        answer = []
        for plan in plans:
            shift = shifts.get(plan.pk)
            held = shift is not None and shift.precinct_id is not None
            answer.append(
                {
                    "zone": plan.zone.code,
                    "plan": plan.code,
                    "at": timezone.localtime(at, plan.tz).isoformat(),
                    "covered": held and shift.status == ShiftStatus.SCHEDULED,
                    "precinct": (
                        api_serializers.PrecinctSerializer(shift.precinct).data
                        if held
                        else None
                    ),
                    "shift": shown[shift.pk] if shift else None,
                    "holders": over.get(plan.pk, []),
                }
            )
        return Response(answer)

    def _zones(self, data) -> list:
        """The zone named by code, or the zones whose area holds the point."""
        zones = self.client.visible_zones()
        if code := data.get("zone"):
            zones = list(zones.filter(code=code))
            if not zones:
                raise exceptions.ValidationError({"zone": [_("No such zone.")]})
            return zones
        lat, lng = data["lat"], data["lng"]
        return [
            z
            for z in zones.exclude(geometry=None)
            if z.geometry and geo.contains(z.geometry, lng, lat)
        ]
