"""Reminders: short rosters tonight (to duty officers) and shifts soon (to officers).

Beat runs these every few minutes; each decides per plan, in the plan's time zone,
whether a reminder is due, and the dedupe key makes a second run send nothing.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from notices import render, selectors, services
from notices.models import Notification, NotificationKind
from schedules import nights
from schedules.models import Assignment, RotationPlan, Shift, ShiftStatus

SHIFT_REMINDER_LEAD = dt.timedelta(hours=2)


def roster_reminder_due(plan: RotationPlan, at: dt.datetime) -> dt.date | None:
    """Tonight's duty night if its roster reminder time has passed at `at`."""
    night = nights.tonight(at, plan.window_start, plan.window_end, plan.tz)
    if night < plan.valid_from or (plan.valid_until and night > plan.valid_until):
        return None
    due = dt.datetime.combine(night, plan.reminder_time, tzinfo=plan.tz)
    # tonight() is the night whose window has not ended, so a late beat still
    # catches up on a missed reminder until the patrol is over.
    return night if due <= at else None


def _slot_label(shift: Shift, tz) -> str:
    start = timezone.localtime(shift.start, tz)
    end = timezone.localtime(shift.end, tz)
    return f"{start:%H:%M}–{end:%H:%M}"


@render.in_site_language
@transaction.atomic
def send_roster_reminders(*, at: dt.datetime | None = None) -> list[Notification]:
    """Tell each precinct's duty officers about tonight's slots short of officers."""
    at = at or timezone.now()
    sent = []
    for plan in RotationPlan.objects.filter(active=True):
        night = roster_reminder_due(plan, at)
        if night is None:
            continue
        short = (
            Shift.objects.on_night(night)
            .filter(plan=plan, status=ShiftStatus.SCHEDULED, end__gt=at)
            .annotate(rostered=Count("assignments"))
            .filter(rostered__lt=plan.min_officers)
            .select_related("precinct")
            .order_by("start")
        )
        by_precinct = defaultdict(list)
        for shift in short:
            by_precinct[shift.precinct].append(shift)
        for precinct, shifts in by_precinct.items():
            lines = [
                _("%(slot)s: %(count)s of %(minimum)s officers")
                % {
                    "slot": _slot_label(shift, plan.tz),
                    "count": shift.rostered,
                    "minimum": plan.min_officers,
                }
                for shift in shifts
            ]
            title = _("Roster short tonight: %(plan)s") % {"plan": plan.name}
            body = "\n".join(
                [
                    _("%(precinct)s is short of officers tonight:")
                    % {"precinct": precinct.name},
                    *lines,
                ]
            )
            for user in selectors.duty_officers([precinct.pk]):
                notification = services.notify(
                    recipient=user,
                    kind=NotificationKind.ROSTER_SHORT,
                    title=title,
                    body=body,
                    plan=plan,
                    night=night,
                    target=shifts[0],
                    link=render.page_link("schedules:tonight"),
                    dedupe_key=f"roster_short:{plan.pk}:{night}:{user.pk}",
                )
                if notification:
                    sent.append(notification)
    return sent


@render.in_site_language
@transaction.atomic
def send_shift_reminders(*, at: dt.datetime | None = None) -> list[Notification]:
    """Remind each officer of their shifts of a night, SHIFT_REMINDER_LEAD before."""
    at = at or timezone.now()
    assignments = (
        Assignment.objects.filter(
            shift__status=ShiftStatus.SCHEDULED,
            shift__plan__active=True,
            shift__start__gt=at,
            shift__start__lte=at + SHIFT_REMINDER_LEAD,
            officer__active=True,
            officer__user__is_active=True,
        )
        .select_related("shift__plan__zone", "shift__precinct", "officer__user")
        .order_by("shift__start")
    )
    sent = []
    for assignment in assignments:
        shift, user = assignment.shift, assignment.officer.user
        plan = shift.plan
        key = f"shift_reminder:{plan.pk}:{shift.night}:{user.pk}"
        if Notification.objects.filter(dedupe_key=key).exists():
            continue
        # One reminder for the night lists all of the officer's slots in it.
        own = Shift.objects.filter(
            plan=plan,
            night=shift.night,
            status=ShiftStatus.SCHEDULED,
            assignments__officer=assignment.officer,
        ).order_by("start")
        slots = ", ".join(_slot_label(s, plan.tz) for s in own)
        notification = services.notify(
            recipient=user,
            kind=NotificationKind.SHIFT_REMINDER,
            title=_("Your patrol shift at %(zone)s starts at %(time)s")
            % {
                "zone": plan.zone.name,
                "time": f"{timezone.localtime(shift.start, plan.tz):%H:%M}",
            },
            body=_("%(plan)s, %(precinct)s: %(slots)s")
            % {"plan": plan.name, "precinct": shift.precinct.name, "slots": slots},
            plan=plan,
            night=shift.night,
            target=shift,
            link=render.page_link("schedules:tonight"),
            dedupe_key=key,
        )
        if notification:
            sent.append(notification)
    return sent
