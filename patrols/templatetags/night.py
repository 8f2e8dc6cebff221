"""The Tonight page's live part on each plan and slot, as the view read it
(patrols.selectors.tonight_live, in the context as `live`): no queries here."""

import datetime as dt
import secrets

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from common import fragments
from patrols.models import CheckInKind, IncidentCategory, ReportStatus
from schedules.templatetags import giliran

register = template.Library()


@register.inclusion_tag("patrols/_live_plan.html", takes_context=True)
def live_plan(context, bp) -> dict:
    live = context["live"]
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
    live = context["live"]
    shift = board_shift.shift
    actions = live.actions[shift.pk]
    return {
        "show": True,
        "bp": bp,
        "shift": shift,
        "status": live.slots.get(shift.pk),
        "names": board_shift.officers is not None,
        "handover": live.handovers.get(shift.pk),
        "report": live.reports.get(shift.pk),
        "can_report": actions.can_report,
        "can_record": actions.can_record,
        "can_check_in": actions.can_check_in,
    }


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


@register.simple_tag(takes_context=True)
def slot_tally(context, bp, slot) -> dict:
    """A slot's count for its one-line row, against the officers needed: at the post
    while it runs, those who came once it is over, rostered before it (and for a
    reader who sees no presence)."""
    board_shift = slot.shift
    status = context["live"].slots.get(board_shift.shift.pk) if board_shift else None
    tally = {"needed": bp.plan.min_officers, "state": "upcoming"}
    if status is None or status.state == "upcoming":
        tally["count"] = board_shift.officer_count if board_shift else 0
    elif status.state == "active":
        tally.update(count=status.present_count, state="active")
    else:
        came = [o for o in status.officers if o.arrival.status != "absent"]
        tally.update(count=len(came), state="ended")
    return tally


SLOT = fragments.Fragment("schedules/_slot.html", maxsize=8192)
PLAN = fragments.Fragment("schedules/_board_plan.html", maxsize=1024)
# Where the now line goes in a memoised plan: a mark no page can contain.
_NOW_MARK = f"\x00now-{secrets.token_hex(8)}\x00"


@register.simple_tag(takes_context=True)
def board_plan(context, bp):
    """Tonight's card of one plan (schedules/_board_plan.html), rendered once per
    process for what it shows, its slots included; the line marking the time now,
    which moves every few seconds, goes in afterwards."""
    at, own_only, shown = context["at"], context["own_only"], context["shown"]
    focus = giliran.focus_slot(bp, at, own_only)
    slots = tuple(
        board_slot(context, bp, slot, focus)
        for slot in bp.slots
        if slot.shift or not own_only
    )
    html = PLAN.render_for(
        _plan_key(bp, context["live"], own_only, shown, slots),
        {
            "bp": bp,
            "shown": shown,
            "own_only": own_only,
            "slot_html": slots,
            "now_line": mark_safe(_NOW_MARK),
            "live": context["live"],
        },
    )
    now = giliran.now_percent(bp, at)
    line = format_html('<span class="now-line" style="left: {}"></span>', now)
    return mark_safe(html.replace(_NOW_MARK, line if now else ""))


def _plan_key(bp, live, own_only: bool, shown, slots: tuple) -> tuple:
    """Every value schedules/_board_plan.html and patrols/_live_plan.html show."""
    plan = bp.plan
    return (
        plan.pk, plan.name, plan.zone.name, plan.time_zone, bp.night, bp.start,
        bp.end, bp.night == shown, own_only, bp.uncovered_count, bp.short_count,
        tuple((n.pk, n.link, n.title) for n in live.changes.get(plan.pk, [])),
        live.change_counts.get(plan.pk, 0),
        tuple(
            (s.start, s.end, s.shift is not None, bool(s.shift and s.shift.uncovered),
             _precinct(s.shift.precinct) if s.shift else None)
            for s in bp.slots
        ),
        slots,
        tuple(
            (m.precinct.colour, m.precinct.name) for m in plan.memberships.all()
        ),
    )  # fmt: skip


@register.simple_tag(takes_context=True)
def board_slot(context, bp, slot, focus):
    """Tonight's row of one slot (schedules/_slot.html), rendered once per process
    for what it shows (common.fragments): the same slot in the same state reads
    the row from the memo."""
    live, at = context["live"], context["at"]
    return SLOT.render_for(
        _slot_key(bp, slot, live, at, focus),
        {"bp": bp, "slot": slot, "at": at, "focus": focus, "live": live},
    )


def _slot_key(bp, slot, live, at: dt.datetime, focus) -> tuple:
    """Every value schedules/_slot.html and patrols/_live_slot.html show."""
    plan = bp.plan
    key = (slot.index, slot.start, slot.end, slot.is_now(at), slot.index == focus,
           plan.min_officers, plan.time_zone)  # fmt: skip
    board_shift = slot.shift
    if board_shift is None:
        return key
    shift = board_shift.shift
    officers = board_shift.officers
    return (
        *key,
        board_shift.id,
        board_shift.status,
        board_shift.reason,
        shift.reason_note,
        board_shift.locked,
        board_shift.officer_count,
        board_shift.short_by,
        board_shift.can_edit,
        _precinct(board_shift.precinct),
        _precinct(board_shift.substitute_for),
        None
        if officers is None
        else tuple((o.rank_display, o.name, o.is_leader) for o in officers),
        _status_key(live.slots.get(shift.pk)),
        _handover_key(live.handovers.get(shift.pk)),
        _report_key(live.reports.get(shift.pk)),
        _actions_key(live.actions.get(shift.pk)),
    )


def _precinct(precinct) -> tuple | None:
    return None if precinct is None else (precinct.pk, precinct.name, precinct.colour)


def _status_key(status) -> tuple | None:
    if status is None:
        return None
    return (
        status.state,
        status.present_count,
        status.post_empty,
        status.empty_minutes,
        tuple(
            (o.officer.pk, o.officer.name, o.present, o.arrival, o.left_at, o.on_behalf)
            for o in status.officers
        ),
    )


def _handover_key(handover) -> tuple | None:
    if handover is None:
        return None
    previous = handover.previous.precinct
    return (handover.handover, previous.name if previous else None)


def _report_key(report) -> tuple | None:
    return None if report is None else (report["pk"], report["status"])


def _actions_key(actions) -> tuple | None:
    if actions is None:
        return None
    return (actions.can_report, actions.can_record, actions.can_check_in)
