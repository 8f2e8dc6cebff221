"""Reads for the night, one module per screen or record: the post's live status
(night), one shift's check-ins and report and the morning report (reports), and
the Tonight page's live part (tonight)."""

from patrols.selectors.night import (
    ACTIVE,
    ENDED,
    UPCOMING,
    HandoverStatus,
    NightStatus,
    OfficerStatus,
    SlotStatus,
    build_night_status,
    checkins_of_night,
    night_status,
    night_statuses,
)
from patrols.selectors.reports import (
    CurrentShift,
    current_shift,
    morning_report_data,
    morning_report_for,
    report_prefill,
    report_with_history,
)
from patrols.selectors.tonight import Live, SlotActions, tonight_live

__all__ = [
    "ACTIVE",
    "ENDED",
    "UPCOMING",
    "CurrentShift",
    "HandoverStatus",
    "Live",
    "NightStatus",
    "OfficerStatus",
    "SlotActions",
    "SlotStatus",
    "build_night_status",
    "checkins_of_night",
    "current_shift",
    "morning_report_data",
    "morning_report_for",
    "night_status",
    "night_statuses",
    "report_prefill",
    "report_with_history",
    "tonight_live",
]
