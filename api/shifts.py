"""API v1: shifts and their rosters, one night's board, and who covers a zone.

Roster writes take If-Match with the shift's version (428 without it, 412 when
the shift moved on) and answer with the shift at its new version.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api import board_serializers, conditional, filters, rows, shift_list
from api import serializers as api_serializers
from api.pagination import ShiftChangePagination
from api.renderers import FastJSONRenderer
from api.schema import ProblemSerializer
from api.views import ClientMixin
from common import dates
from schedules.models import Assignment, Shift
from schedules.selectors import board
from schedules.services import roster

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description="The shift's ETag as you read it: its `version`, quoted, e.g. "
    '`"3"`; or `*` for whatever version it is at. 412 if the shift changed '
    "since (the answer's ETag is the current version); 428 if missing.",
)

SHIFT_EXAMPLE = OpenApiExample(
    "A shift of the canal plan",
    value={
        "id": 41,
        "plan": "bkb-malam",
        "zone": "bkb-kalianyar",
        "precinct": "tambora",
        "night": "2024-01-22",
        "slot": 0,
        "start": "2024-01-23T00:00:00+07:00",
        "end": "2024-01-23T01:00:00+07:00",
        "status": "scheduled",
        "locked": False,
        "reason": "rotation",
        "substitute_for": None,
        "reason_note": "",
        "version": 3,
        "updated_at": "2024-01-22T20:14:05.118000+07:00",
        "personnel_visible": True,
        "officer_count": 1,
        "assignments": [
            {
                "role": "leader",
                "officer": {"nrp": "80010001", "name": "Andi Saputra", "rank": "aipda"},
            }
        ],
    },
    response_only=True,
)


def shift_queryset(shifts):
    """Shifts with plan, zone, holders and officers loaded (calendar feeds)."""
    return shifts.select_related(
        "plan__zone", "precinct", "substitute_for"
    ).prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("officer").order_by("pk"),
        )
    )


@extend_schema_view(
    list=extend_schema(
        summary="Shifts, in the order of their changes",
        description="Paged by change position: every change to a shift or its "
        "roster moves the shift to the end of this order, and no change can "
        "later appear before a position already handed out. To mirror the "
        "schedule, follow `next` until it is null, keep the last page's "
        "`watermark`, and later ask with `since=<watermark>`: changed shifts "
        "come back (cancelled ones with status `cancelled` rather than "
        "vanishing; shifts that left a precinct are in `shifts/departures/`). "
        "`updated_since` filters by write time and may miss a change committed "
        "late: use it for display, `since` for mirrors. Supports ETag / "
        "If-None-Match.",
        examples=[SHIFT_EXAMPLE],
    ),
    retrieve=extend_schema(
        summary="One shift",
        description='Its ETag is its version, quoted (`"3"`): send it as '
        "If-None-Match to revalidate (304) and as If-Match to edit the roster.",
    ),
)
class ShiftViewSet(conditional.ETagMixin, ClientMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = api_serializers.ShiftSerializer
    pagination_class = ShiftChangePagination
    renderer_classes = [FastJSONRenderer]
    filterset_class = filters.ShiftFilter
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return rows.visible_shift_values(self.client)

    def _check_codes(self) -> None:
        # Zone, plan and precinct codes are matched inside the query (no lookup
        # first); only an empty answer asks whether a code was bad (400).
        filters.ShiftFilter(
            self.request.query_params, request=self.request
        ).check_codes()

    def list(self, request, *args, **kwargs):
        shifts = shift_list.page_for(request, self.client)
        if shifts is None:
            shifts = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(shifts)
        if not page:
            self._check_codes()
        return self.get_paginated_response(rows.shift_rows(page, self.client))

    def retrieve(self, request, *args, **kwargs):
        try:
            shift = self.get_object()
        except Http404:
            self._check_codes()
            raise
        body = rows.shift_rows([shift], self.client)[0]
        etag = conditional.version_etag(body["version"], body["personnel_visible"])
        return Response(body, headers={"ETag": etag})

    # --- roster writes --------------------------------------------------------

    def _shift_for_write(self, pk, body=None) -> tuple[Shift, int, dict]:
        """The shift (404, 403), then the body (400), then If-Match (428, 412):
        a malformed request is refused as such whatever version it names."""
        shift = get_object_or_404(
            self.client.visible_shifts().select_related("plan", "precinct"), pk=pk
        )
        if not self.client.can_edit_roster(shift):
            raise exceptions.PermissionDenied(
                _("Only the holding precinct's duty officers edit this roster.")
            )
        data = {}
        if body is not None:
            serializer = body(data=self.request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        return shift, conditional.expected_version(self.request), data

    def _officer(self, shift: Shift, nrp: str):
        # Only the holding precinct's officers are looked up, so the answer never
        # reveals another precinct's personnel.
        officer = shift.precinct.officers.filter(nrp=nrp).first()
        if officer is None:
            raise exceptions.ValidationError(
                {
                    "officer": [
                        _("%(precinct)s has no officer with NRP %(nrp)s.")
                        % {"precinct": shift.precinct, "nrp": nrp}
                    ]
                }
            )
        return officer

    def _shift_response(self, shift: Shift, code=status.HTTP_200_OK) -> Response:
        [body] = rows.rows_for(Shift.objects.filter(pk=shift.pk), self.client)
        return Response(
            body,
            status=code,
            headers={"ETag": conditional.version_etag(body["version"])},
        )

    @extend_schema(
        summary="Add an officer to the shift's roster",
        description="Duty officers of the holding precinct, and write keys "
        "restricted to it. The roster rules (officer of that precinct, active, "
        "rest hours, not above need) answer 400 with a field message; an officer "
        "already on an overlapping shift answers 409, naming that shift.",
        parameters=[IF_MATCH],
        request=api_serializers.AssignmentCreateSerializer,
        responses={
            201: api_serializers.ShiftSerializer,
            403: ProblemSerializer,
            409: ProblemSerializer,
            412: ProblemSerializer,
            428: ProblemSerializer,
        },
    )
    @action(detail=True, methods=["post"], url_path="assignments")
    def assignments(self, request, pk=None):
        shift, version, data = self._shift_for_write(
            pk, api_serializers.AssignmentCreateSerializer
        )
        roster.assign_officer(
            shift=shift,
            officer=self._officer(shift, data["officer"]),
            role=data["role"],
            by=request.user if self.client.is_person else None,
            expected_version=version,
        )
        return self._shift_response(shift, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change or remove one officer on the roster",
        description='PATCH `{"role": "leader"}` makes the officer the leader; '
        "DELETE takes them off the shift.",
        parameters=[IF_MATCH, OpenApiParameter("nrp", str, OpenApiParameter.PATH)],
        request=api_serializers.AssignmentUpdateSerializer,
        responses={
            200: api_serializers.ShiftSerializer,
            409: ProblemSerializer,
            412: ProblemSerializer,
            428: ProblemSerializer,
        },
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"assignments/(?P<nrp>[0-9]{8})",
    )
    def assignment(self, request, pk=None, nrp=None):
        body = (
            api_serializers.AssignmentUpdateSerializer
            if request.method == "PATCH"
            else None
        )
        shift, version, _data = self._shift_for_write(pk, body)
        officer = self._officer(shift, nrp)
        by = request.user if self.client.is_person else None
        if request.method == "DELETE":
            roster.remove_officer(
                shift=shift, officer=officer, by=by, expected_version=version
            )
        else:
            roster.set_leader(
                shift=shift, officer=officer, by=by, expected_version=version
            )
        return self._shift_response(shift)

    @extend_schema(
        summary="Put the precinct's previous team on this shift",
        description="All or nothing: if one officer breaks a rule, nobody is added.",
        parameters=[IF_MATCH],
        request=None,
        responses={
            200: api_serializers.ShiftSerializer,
            409: ProblemSerializer,
            412: ProblemSerializer,
            428: ProblemSerializer,
        },
    )
    @action(detail=True, methods=["post"], url_path="assignments/copy-previous")
    def copy_previous(self, request, pk=None):
        shift, version, _data = self._shift_for_write(pk)
        roster.copy_previous_team(
            shift=shift,
            by=request.user if self.client.is_person else None,
            expected_version=version,
        )
        return self._shift_response(shift)


NIGHT_PATTERN = r"^(tonight|[0-9]{4}-[0-9]{2}-[0-9]{2})$"


def parse_night(value: str) -> dt.date | None:
    if value == "tonight":
        return None
    try:
        # fromisoformat also takes 20240122 and 2024-W04-1: only the documented form.
        if not re.match(NIGHT_PATTERN, value):
            raise ValueError(value)
        night = dt.date.fromisoformat(value)
    except ValueError:
        raise exceptions.ValidationError(
            {"night": [_("Give a date as YYYY-MM-DD, or 'tonight'.")]}
        ) from None
    try:
        # The board reaches the morning after: near year 9999 that overflows.
        dates.check_request_date(night)
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"night": error.messages}) from None
    return night


class NightView(conditional.ETagMixin, ClientMixin, APIView):
    pagination_class = None
    renderer_classes = [FastJSONRenderer]

    @extend_schema(
        summary="One duty night across every plan the client may see",
        description="`tonight` means each plan's own tonight: the first duty night "
        "whose window has not ended. Slots in order, with the holding precinct, "
        "its officers where the client may see them, and flags (short of the "
        "minimum, uncovered). Supports ETag / If-None-Match.",
        parameters=[
            OpenApiParameter(
                "night",
                str,
                OpenApiParameter.PATH,
                description="YYYY-MM-DD or `tonight`.",
                pattern=NIGHT_PATTERN,
                examples=[
                    OpenApiExample("A date", value="2024-01-22"),
                    OpenApiExample("Tonight", value="tonight"),
                ],
            )
        ],
        responses={200: board_serializers.NightBoardSerializer},
    )
    def get(self, request, night: str):
        night_board = board.night_board_rows(
            scope=self.client, night=parse_night(night)
        )
        return Response(board_serializers.board_dict(night_board))
