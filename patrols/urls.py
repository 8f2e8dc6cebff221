from django.urls import path

from patrols import post_views, views

app_name = "patrols"

urlpatterns = [
    path("checkin/", views.checkin, name="checkin"),
    path("checkin/shift/<int:pk>/", views.shift_checkins, name="shift_checkins"),
    path("reports/shift/<int:shift_pk>/", views.report_new, name="report_new"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/correct/", views.report_correct, name="report_correct"),
    path(
        "reports/<int:pk>/acknowledge/",
        views.report_acknowledge,
        name="report_acknowledge",
    ),
    path("morning/", views.morning_reports, name="morning_reports"),
    path("morning/<int:pk>/", views.morning_report, name="morning_report"),
    path("post/zone/<int:pk>/qr/", post_views.post_qr, name="post_qr"),
    path("post/<str:token>/", post_views.post_scan, name="post_scan"),
]
