"""The Tonight page's live part: post status, reports, unread changes, and what
the user may do on each slot, read for the whole board at once.

One query for the check-ins, one for the reports and one for the unread change
notices, whatever the number of plans and slots; the role is read from the
profile already loaded. The page's templates only display the result.
"""

import datetime as dt
from dataclasses import dataclass, field

from notices import selectors as notice_selectors
from patrols import services
from patrols.models import PatrolReport
from patrols.selectors.night import night_statuses
from precincts import access
from precincts.models import Role
from schedules.models import AssignmentRole

CHANGES_SHOWN = 5


@dataclass
class SlotActions:
    """What the user may do on one slot of the board now."""

    can_report: bool = False
    can_record: bool = False
    can_check_in: bool = False


@dataclass
class Live:
    slots: dict = field(default_factory=dict)  # shift id → SlotStatus
    handovers: dict = field(default_factory=dict)  # following shift id → status
    reports: dict = field(default_factory=dict)  # shift id → {pk, status}
    changes: dict = field(default_factory=dict)  # plan id → [Notification]
    change_counts: dict = field(default_factory=dict)  # plan id → unread changes
    actions: dict = field(default_factory=dict)  # shift id → SlotActions


def tonight_live(board, *, user, at: dt.datetime) -> Live:
    """The live part of a night board (schedules.selectors.board) for this user."""
    live = Live()
    # An officer sees their own arrivals only (patrols.access), not the team's.
    if access.role_of(user) != Role.OFFICER:
        statuses = night_statuses(
            [
                (bp.plan, bp.night, [s.shift.shift for s in bp.slots if s.shift])
                for bp in board.plans
            ],
            at=at,
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
    _unread_changes(live, board, user)
    live.actions = {
        s.shift.pk: _actions(user, s, at)
        for s in board.shifts
        if not (s.cancelled or s.uncovered)
    }
    return live


def _unread_changes(live: Live, board, user) -> None:
    plan_ids = [bp.plan.pk for bp in board.plans]
    if not plan_ids or not user.is_authenticated:
        return
    for notice in notice_selectors.unread_changes(user).filter(plan_id__in=plan_ids):
        live.change_counts[notice.plan_id] = (
            live.change_counts.get(notice.plan_id, 0) + 1
        )
        shown = live.changes.setdefault(notice.plan_id, [])
        if len(shown) < CHANGES_SHOWN:
            shown.append(notice)


def _actions(user, board_shift, at: dt.datetime) -> SlotActions:
    shift = board_shift.shift
    opens, closes = services.checkin_window(shift)
    writes = _writes_for(user, board_shift)
    return SlotActions(
        can_report=shift.start <= at and (writes or _leads(user, shift)),
        can_record=writes and opens <= at <= closes,
        can_check_in=access.role_of(user) == Role.OFFICER and opens <= at <= closes,
    )


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


def _leads(user, shift) -> bool:
    return any(
        a.role == AssignmentRole.LEADER and a.officer.user_id == user.pk
        for a in shift.assignments.all()
    )
