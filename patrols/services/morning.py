"""The morning report: built once a plan's night is over, sent to the commanders
of every member precinct (once each)."""

import datetime as dt

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notices import render
from notices import selectors as notice_selectors
from notices import services as notice_services
from notices.models import NotificationKind
from patrols import selectors
from patrols.models import (
    MorningReport,
)
from schedules import nights
from schedules.models import (
    RotationPlan,
)


def morning_report_due(plan: RotationPlan, at: dt.datetime) -> dt.date | None:
    """Last night, once its window has ended and the plan's report time passed."""
    night = nights.last_night(at, plan.window_start, plan.window_end, plan.tz)
    if night < plan.valid_from or (plan.valid_until and night > plan.valid_until):
        return None
    _start, end = nights.window_bounds(
        night, plan.window_start, plan.window_end, plan.tz
    )
    local_end = end.astimezone(plan.tz)
    due = dt.datetime.combine(
        local_end.date(), plan.morning_report_time, tzinfo=plan.tz
    )
    return night if max(due, end) <= at else None


@transaction.atomic
def build_morning_report(
    *,
    plan: RotationPlan,
    night: dt.date,
    at: dt.datetime | None = None,
    rebuild: bool = False,
) -> MorningReport:
    """The stored report of one night; built once unless `rebuild` is asked."""
    at = at or timezone.now()
    existing = (
        MorningReport.objects.select_for_update().filter(plan=plan, night=night).first()
    )
    if existing and not rebuild:
        return existing
    data = selectors.morning_report_data(plan=plan, night=night, at=at)
    values = {
        "generated_at": at,
        "data": data,
        "slot_count": len(data["slots"]),
        "empty_post_count": len(data["empty_posts"]),
        "late_count": data["punctuality"]["late"],
        "absent_count": data["punctuality"]["absent"],
        "incident_count": len(data["incidents"]),
        "missing_report_count": len(data["missing_reports"]),
    }
    report, _created = MorningReport.objects.update_or_create(
        plan=plan, night=night, defaults=values
    )
    return report


@render.in_site_language
@transaction.atomic
def send_morning_report(*, report: MorningReport) -> list:
    """Notify the commanders of every member precinct (once each)."""
    plan = report.plan
    member_ids = list(plan.memberships.values_list("precinct_id", flat=True))
    title = _("Morning report: %(plan)s, night of %(night)s") % {
        "plan": plan.name,
        "night": formats.date_format(report.night, "D j M Y"),
    }
    punctuality = report.data["punctuality"]
    body = "\n".join(
        [
            _("Slots: %(n)s") % {"n": report.slot_count},
            _("On time: %(on_time)s of %(rostered)s officers") % punctuality,
            _("Late: %(late)s; absent: %(absent)s") % punctuality,
            _("Empty posts: %(n)s") % {"n": report.empty_post_count},
            _("Incidents: %(n)s") % {"n": report.incident_count},
            _("Reports missing: %(n)s") % {"n": report.missing_report_count},
        ]
    )
    sent = []
    for user in notice_selectors.commanders(member_ids):
        notification = notice_services.notify(
            recipient=user,
            kind=NotificationKind.MORNING_REPORT,
            title=title,
            body=body,
            plan=plan,
            night=report.night,
            target=report,
            link=render.page_link("patrols:morning_report", report.pk),
            dedupe_key=f"morning_report:{plan.pk}:{report.night}:{user.pk}",
        )
        if notification:
            sent.append(notification)
    return sent


def send_morning_reports(*, at: dt.datetime | None = None) -> list[MorningReport]:
    """Build and send the morning report of each plan whose report is due."""
    at = at or timezone.now()
    reports = []
    for plan in RotationPlan.objects.filter(active=True):
        night = morning_report_due(plan, at)
        if night is None:
            continue
        with transaction.atomic():
            report = build_morning_report(plan=plan, night=night, at=at)
            send_morning_report(report=report)
        reports.append(report)
    return reports
