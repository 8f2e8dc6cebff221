from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import (
    coverage,
    departures,
    errors,
    morning_reports,
    plan_versions,
    request_views,
    schema,
    shifts,
    views,
)
from api import patrols as patrol_api

app_name = "api"

router = DefaultRouter()
router.register("commands", views.CommandViewSet, basename="command")
router.register("precincts", views.PrecinctViewSet, basename="precinct")
router.register("zones", views.ZoneViewSet, basename="zone")
router.register("officers", views.OfficerViewSet, basename="officer")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("shifts", shifts.ShiftViewSet, basename="shift")
router.register("blackouts", request_views.BlackoutViewSet, basename="blackout")
router.register("swaps", request_views.SwapViewSet, basename="swap")
router.register(
    "plan-versions", plan_versions.PlanVersionViewSet, basename="plan-version"
)
router.register("feed-tokens", views.FeedTokenViewSet, basename="feed-token")
router.register("checkins", patrol_api.CheckInViewSet, basename="checkin")
router.register("reports", patrol_api.PatrolReportViewSet, basename="report")
router.register("incidents", patrol_api.IncidentViewSet, basename="incident")
router.register(
    "morning-reports", morning_reports.MorningReportViewSet, basename="morning-report"
)

urlpatterns = [
    path("v1/nights/<str:night>/", shifts.NightView.as_view(), name="night"),
    path("v1/coverage/", coverage.CoverageView.as_view(), name="coverage"),
    path(
        "v1/decisions/pending/",
        request_views.PendingDecisionsView.as_view(),
        name="pending-decisions",
    ),
    path(
        "v1/shifts/departures/",
        departures.DepartureListView.as_view(),
        name="shift-departures",
    ),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file: the CSP refuses inline scripts.
    path("docs/", schema.DocsView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/ is a 404 in the API's error shape.
    re_path(r"^[\s\S]*$", errors.not_found),
]
