from django.urls import path, register_converter

from schedules import request_views, views


class IdConverter:
    """A primary key: at most 18 digits, so it always fits a 64-bit column."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "dbid")

app_name = "schedules"

urlpatterns = [
    path("tonight/", views.tonight, name="tonight"),
    path("print/<dbid:plan_pk>/", views.print_night, name="print"),
    path("print/<dbid:plan_pk>/text/", views.night_text, name="night_text"),
    path("roster/", views.roster_list, name="roster"),
    path("roster/<dbid:pk>/", views.shift_edit, name="shift"),
    path("roster/<dbid:pk>/remove/", views.remove_officer, name="remove_officer"),
    path("roster/<dbid:pk>/leader/", views.set_leader, name="set_leader"),
    path("roster/<dbid:pk>/copy/", views.copy_previous_team, name="copy_team"),
    path("calendar/", views.calendar, name="calendar"),
    path("requests/", request_views.requests_page, name="requests"),
    path("requests/blackout/", request_views.new_blackout, name="new_blackout"),
    path("requests/swap/", request_views.new_swap, name="new_swap"),
    path(
        "requests/blackout/<dbid:pk>/decide/",
        request_views.decide_blackout,
        name="decide_blackout",
    ),
    path(
        "requests/swap/<dbid:pk>/decide/", request_views.decide_swap, name="decide_swap"
    ),
    path(
        "requests/swap/<dbid:pk>/withdraw/",
        request_views.withdraw_swap,
        name="withdraw_swap",
    ),
    path("account/password/", views.password_change, name="password_change"),
]
