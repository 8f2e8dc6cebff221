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
                    link=render.page_link("tonight"),
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
    due = (
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
    pending = _not_sent_yet(due)
    slots = _night_slots(pending)
    shifts = Shift.objects.in_bulk([pk for ids in slots.values() for pk in ids])
    sent = []
    for key, assignment in pending.items():
        own = slots[
            (assignment.shift.plan_id, assignment.shift.night, assignment.officer_id)
        ]
        notification = _remind(key, assignment, [shifts[pk] for pk in own])
        if notification:
            sent.append(notification)
    return sent


def _not_sent_yet(due) -> dict[str, Assignment]:
    """{reminder key: the first due assignment of it} for reminders not yet sent."""
    first: dict[str, Assignment] = {}
    for assignment in due:
        shift = assignment.shift
        key = (
            f"shift_reminder:{shift.plan_id}:{shift.night}:{assignment.officer.user_id}"
        )
        first.setdefault(key, assignment)
    sent_before = set(
        Notification.objects.filter(dedupe_key__in=first).values_list(
            "dedupe_key", flat=True
        )
    )
    return {k: a for k, a in first.items() if k not in sent_before}


def _night_slots(pending: dict[str, Assignment]) -> dict:
    """{(plan, night, officer): their shift ids that night}, in order: one
    reminder for the night lists all of the officer's slots in it."""
    slots = defaultdict(list)
    for shift_id, plan_id, night, officer_id in (
        Assignment.objects.filter(
            officer__in={a.officer_id for a in pending.values()},
            shift__night__in={a.shift.night for a in pending.values()},
            shift__status=ShiftStatus.SCHEDULED,
        )
        .order_by("shift__start")
        .values_list("shift_id", "shift__plan_id", "shift__night", "officer_id")
    ):
        slots[(plan_id, night, officer_id)].append(shift_id)
    return slots


def _remind(key: str, assignment: Assignment, own: list[Shift]):
    shift, user = assignment.shift, assignment.officer.user
    plan = shift.plan
    return services.notify(
        recipient=user,
        kind=NotificationKind.SHIFT_REMINDER,
        title=_("Your patrol shift at %(zone)s starts at %(time)s")
        % {
            "zone": plan.zone.name,
            "time": f"{timezone.localtime(shift.start, plan.tz):%H:%M}",
        },
        body=_("%(plan)s, %(precinct)s: %(slots)s")
        % {
            "plan": plan.name,
            "precinct": shift.precinct.name,
            "slots": ", ".join(_slot_label(s, plan.tz) for s in own),
        },
        plan=plan,
        night=shift.night,
        target=shift,
        link=render.page_link("tonight"),
        dedupe_key=key,
    )
