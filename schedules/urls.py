from django.urls import path, register_converter

from schedules.views import (
    account,
    agreement,
    calendar,
    decisions,
    night,
    requests,
    roster,
)


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
    path("print/<dbid:plan_pk>/", night.print_night, name="print"),
    path("print/<dbid:plan_pk>/text/", night.night_text, name="night_text"),
    path("roster/", roster.roster_list, name="roster"),
    path("roster/<dbid:pk>/", roster.shift_edit, name="shift"),
    path("roster/<dbid:pk>/remove/", roster.remove_officer, name="remove_officer"),
    path("roster/<dbid:pk>/leader/", roster.set_leader, name="set_leader"),
    path("roster/<dbid:pk>/copy/", roster.copy_previous_team, name="copy_team"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("requests/", requests.requests_page, name="requests"),
    path("requests/blackout/", requests.new_blackout, name="new_blackout"),
    path("requests/swap/", requests.new_swap, name="new_swap"),
    path("requests/blackout/<dbid:pk>/", decisions.blackout_page, name="blackout"),
    path(
        "requests/blackout/<dbid:pk>/decide/",
        decisions.decide_blackout,
        name="decide_blackout",
    ),
    path("requests/swap/<dbid:pk>/", decisions.swap_page, name="swap"),
    path("requests/swap/<dbid:pk>/decide/", decisions.decide_swap, name="decide_swap"),
    path(
        "requests/swap/<dbid:pk>/withdraw/",
        requests.withdraw_swap,
        name="withdraw_swap",
    ),
    path("plans/<dbid:pk>/agreement/", agreement.agreement, name="agreement"),
    path(
        "plans/<dbid:pk>/agreement/sheet/",
        agreement.agreement_sheet,
        name="agreement_sheet",
    ),
    path(
        "plans/<dbid:pk>/agreement/propose/",
        agreement.propose,
        name="agreement_propose",
    ),
    path(
        "plans/<dbid:pk>/agreement/<dbid:version_pk>/answer/",
        agreement.answer,
        name="agreement_answer",
    ),
    path("account/password/", account.password_change, name="password_change"),
]
