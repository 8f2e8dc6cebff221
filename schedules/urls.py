from django.urls import path

from schedules import request_views, views

app_name = "schedules"

urlpatterns = [
    path("tonight/", views.tonight, name="tonight"),
    path("print/<int:plan_pk>/", views.print_night, name="print"),
    path("print/<int:plan_pk>/text/", views.night_text, name="night_text"),
    path("roster/", views.roster_list, name="roster"),
    path("roster/<int:pk>/", views.shift_edit, name="shift"),
    path("roster/<int:pk>/remove/", views.remove_officer, name="remove_officer"),
    path("roster/<int:pk>/leader/", views.set_leader, name="set_leader"),
    path("roster/<int:pk>/copy/", views.copy_previous_team, name="copy_team"),
    path("calendar/", views.calendar, name="calendar"),
    path("requests/", request_views.requests_page, name="requests"),
    path("requests/blackout/", request_views.new_blackout, name="new_blackout"),
    path("requests/swap/", request_views.new_swap, name="new_swap"),
    path(
        "requests/blackout/<int:pk>/decide/",
        request_views.decide_blackout,
        name="decide_blackout",
    ),
    path(
        "requests/swap/<int:pk>/decide/", request_views.decide_swap, name="decide_swap"
    ),
    path(
        "requests/swap/<int:pk>/withdraw/",
        request_views.withdraw_swap,
        name="withdraw_swap",
    ),
    path("account/password/", views.password_change, name="password_change"),
]
