"""Live post status on the Tonight page, without touching its view.

The first tag on a page computes the status of every plan on the board at once
(one query for the check-ins, one for the reports, one for unread change notices)
and keeps it on the board object; the other tags read it.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import template

from notices import selectors as notice_selectors
from patrols import selectors, services
from patrols.models import CheckInKind, IncidentCategory, PatrolReport, ReportStatus
from precincts import access
from precincts.models import Role
from schedules.models import AssignmentRole

register = template.Library()

CHANGES_SHOWN = 5


@dataclass
class Live:
    slots: dict = field(default_factory=dict)  # shift id → SlotStatus
    handovers: dict = field(default_factory=dict)  # following shift id → status
    reports: dict = field(default_factory=dict)  # shift id → {pk, status}
    changes: dict = field(default_factory=dict)  # plan id → [Notification]
    change_counts: dict = field(default_factory=dict)


def _live(context) -> Live:
    board = context["board"]
    cached = getattr(board, "_patrols_live", None)
    if cached is not None:
        return cached
    user = context["request"].user
    live = Live()
    role = access.role_of(user)
    # An officer sees their own arrivals only (patrols.access), not the team's.
    if role != Role.OFFICER:
        statuses = selectors.night_statuses(
            [
                (bp.plan, bp.night, [s.shift.shift for s in bp.slots if s.shift])
                for bp in board.plans
            ],
            at=context["at"],
        )
        for status in statuses.values():
            live.slots.update({s.shift.pk: s for s in status.slots})
            live.handovers.update({h.following.pk: h for h in status.handovers})
    personnel = [s.shift.pk for s in board.shifts if s.officers is not None]
    if personnel:
        live.reports = {
            r["shift_id"]: r
            for r in PatrolReport.objects.filter(shift_id__in=personnel).values(
                "pk", "shift_id", "status"
            )
        }
    plan_ids = [bp.plan.pk for bp in board.plans]
    if plan_ids and user.is_authenticated:
        for notice in notice_selectors.unread_changes(user).filter(
            plan_id__in=plan_ids
        ):
            live.change_counts[notice.plan_id] = (
                live.change_counts.get(notice.plan_id, 0) + 1
            )
            shown = live.changes.setdefault(notice.plan_id, [])
            if len(shown) < CHANGES_SHOWN:
                shown.append(notice)
    board._patrols_live = live
    return live


def _writes_for(user, board_shift) -> bool:
    """Duty officer of the holding precinct (or administrator): from the profile
    already loaded, without a query per slot."""
    role = access.role_of(user)
    if role == "administrator":
        return True
    profile = access.profile_of(user)
    return (
        role == Role.DUTY_OFFICER
        and board_shift.precinct is not None
        and profile.precinct_id == board_shift.precinct.pk
    )


@register.inclusion_tag("patrols/_live_plan.html", takes_context=True)
def live_plan(context, bp) -> dict:
    live = _live(context)
    return {
        "bp": bp,
        "changes": live.changes.get(bp.plan.pk, []),
        "change_count": live.change_counts.get(bp.plan.pk, 0),
    }


@register.inclusion_tag("patrols/_live_slot.html", takes_context=True)
def live_slot(context, bp, slot) -> dict:
    board_shift = slot.shift
    if board_shift is None or board_shift.cancelled or board_shift.uncovered:
        return {"show": False}
    live = _live(context)
    user = context["request"].user
    shift = board_shift.shift
    at = context["at"]
    opens, closes = services.checkin_window(shift)
    status = live.slots.get(shift.pk)
    writes = _writes_for(user, board_shift)
    return {
        "show": True,
        "bp": bp,
        "shift": shift,
        "status": status,
        "names": board_shift.officers is not None,
        "handover": live.handovers.get(shift.pk),
        "report": live.reports.get(shift.pk),
        "can_report": shift.start <= at and (writes or _leads(user, shift)),
        "can_record": writes and opens <= at <= closes,
        "can_check_in": access.role_of(user) == Role.OFFICER and opens <= at <= closes,
    }


def _leads(user, shift) -> bool:
    return any(
        a.role == AssignmentRole.LEADER and a.officer.user_id == user.pk
        for a in shift.assignments.all()
    )


@register.filter
def wall_hm(value, plan) -> str:
    """An ISO 8601 string or a datetime as HH:MM on the plan's clock."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{value.astimezone(plan.tz):%H:%M}"


@register.filter
def category_label(value: str) -> str:
    return dict(IncidentCategory.choices).get(value, value)


@register.filter
def kind_label(value: str) -> str:
    return dict(CheckInKind.choices).get(value, value)


@register.filter
def report_status_label(value: str) -> str:
    return dict(ReportStatus.choices).get(value, value)
