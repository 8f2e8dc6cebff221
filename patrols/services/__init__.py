"""Patrol services, one module per kind of change: check-ins (checkins), filing and
acknowledging reports (reports), correcting them (corrections), the morning report
(morning). Their functions are importable from here; pages, API, commands and
tasks call these same functions."""

from patrols.services.checkins import CLOCK_SKEW, check_in, checkin_window
from patrols.services.corrections import (
    IncidentChanges,
    add_incident,
    correct_incident,
    correct_report,
    correct_report_and_incidents,
    remove_incident,
)
from patrols.services.morning import (
    build_morning_report,
    morning_report_due,
    send_morning_report,
    send_morning_reports,
)
from patrols.services.reports import (
    acknowledge_report,
    can_acknowledge_report,
    can_correct_report,
    can_write_report,
    is_shift_leader,
    report_snapshot,
    submit_report,
)

__all__ = [
    "CLOCK_SKEW",
    "IncidentChanges",
    "acknowledge_report",
    "add_incident",
    "build_morning_report",
    "can_acknowledge_report",
    "can_correct_report",
    "can_write_report",
    "check_in",
    "checkin_window",
    "correct_incident",
    "correct_report",
    "correct_report_and_incidents",
    "is_shift_leader",
    "morning_report_due",
    "remove_incident",
    "report_snapshot",
    "send_morning_report",
    "send_morning_reports",
    "submit_report",
]
