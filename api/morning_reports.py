"""API v1 morning-reports/: one per plan and duty night, for commanders and
personnel keys."""

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.response import Response

from api import patrol_serializers
from api.access import (
    visible_morning_reports,
)
from api.filters import (
    MorningReportFilter,
)
from api.patrol_examples import (
    MORNING_REPORT_EXAMPLE,
)
from api.views import ClientMixin
from patrols import selectors

# --- check-ins ------------------------------------------------------------------------


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
