"""The Tonight page's live part on each plan and slot, as the view read it
(patrols.selectors.tonight_live, in the context as `live`): no queries here."""

import datetime as dt

from django import template

from patrols.models import CheckInKind, IncidentCategory, ReportStatus

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
