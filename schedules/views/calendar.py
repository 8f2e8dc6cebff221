"""The Calendar page: a week or month of one plan, with the fairness tallies."""

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from common import fragments
from precincts import access
from schedules import access as schedule_access
from schedules import forms, nights, selectors
from schedules.models import Reason, ShiftStatus
from schedules.selectors import grid
from schedules.selectors.board import BoardPrecinct
from schedules.templatetags import giliran

CALENDAR_ROW = fragments.Fragment("schedules/_calendar_row.html", maxsize=8192)


@require_safe
@login_required
def calendar(request):
    """A week or month of one plan's nights in precinct colours, with the tallies."""
    plans = schedule_access.visible_plans(request.user).order_by("name", "pk")
    form = forms.CalendarForm(
        request.GET,
        plans=plans,
        precincts=access.visible_precincts(request.user),
    )
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    plan = data.get("plan") or plans.select_related("zone").first()
    context = {"form": form, "plan": plan, "plans": plans}
    if plan is not None:
        context.update(_calendar_context(request.user, plan, data))
    return render(
        request, "schedules/calendar.html", context, status=200 if valid else 400
    )


def _calendar_context(user, plan, data: dict) -> dict:
    view = data.get("view") or grid.WEEK
    anchor = data.get("date") or nights.tonight(
        timezone.now(), plan.window_start, plan.window_end, plan.tz
    )
    first, last = grid.period(anchor, view)
    shifts = _shifts(user, plan, first, last)
    members = [m.precinct for m in plan.memberships.select_related("precinct")]
    by_pk = {p.pk: p for p in members}
    report = selectors.fairness_report(plan=plan, first=first, last=last)
    rows = grid.rows(first, last, plan.slot_count, shifts)
    editable = set(access.roster_precincts(user).values_list("pk", flat=True))
    return {
        "view": view,
        "anchor": anchor,
        "first": first,
        "last": last,
        "previous_anchor": grid.step(anchor, view, -1),
        "next_anchor": grid.step(anchor, view, +1),
        "rows": rows,
        "row_html": _rows_html(rows, data.get("precinct"), editable),
        "slot_starts": [
            b[0]
            for b in nights.slot_bounds(
                first, plan.window_start, plan.window_end, plan.slot_minutes, plan.tz
            )
        ],
        "members": members,
        "fairness": report,
        "fairness_rows": [(by_pk[m.precinct_id], m) for m in report.members],
        "only": data.get("precinct"),
    }


@dataclass
class CalendarShift:
    """A shift as the calendar reads it: a plain row, as a month of model
    instances (each with its precinct) cost more than the rest of the page."""

    pk: int
    night: dt.date
    slot: int
    status: str
    reason: str
    end: dt.datetime
    precinct_id: int | None
    precinct: BoardPrecinct | None


def _shifts(user, plan, first: dt.date, last: dt.date) -> list[CalendarShift]:
    rows = (
        schedule_access.visible_shifts(user)
        .filter(plan=plan)
        .between_nights(first, last)
        .distinct()
        .values_list(
            "pk", "night", "slot", "status", "reason", "end", "precinct_id",
            "precinct__code", "precinct__name", "precinct__colour",
        )
    )  # fmt: skip
    precincts: dict[int, BoardPrecinct] = {}
    shifts = []
    for *shift, precinct_id, code, name, colour in rows:
        if precinct_id is not None and precinct_id not in precincts:
            precincts[precinct_id] = BoardPrecinct(precinct_id, code, name, colour)
        shifts.append(CalendarShift(*shift, precinct_id, precincts.get(precinct_id)))
    return shifts


class Cell(NamedTuple):
    """What a calendar cell shows of its shift (name "" when it is uncovered)."""

    pk: int
    name: str
    short: str
    colour: str
    reason: str
    reason_display: str
    cancelled: bool
    # A link to the roster editor: the user's precinct's coming scheduled shift.
    link: bool
    # Another precinct's shift while the calendar highlights one.
    dim: bool


def _rows_html(rows: list[grid.Row], only, editable: set[int]) -> list:
    """Each night's row, rendered once per process for what it shows."""
    now = timezone.now()
    reasons = {value: str(label) for value, label in Reason.choices}

    def cell(shift) -> Cell | None:
        if shift is None:
            return None
        if shift.precinct is None:
            return Cell(shift.pk, "", "", "", "", "", False, False, False)
        scheduled = shift.status == ShiftStatus.SCHEDULED
        return Cell(
            pk=shift.pk,
            name=shift.precinct.name,
            short=giliran.short_name(shift.precinct),
            colour=shift.precinct.colour,
            reason=shift.reason,
            reason_display=reasons.get(shift.reason, shift.reason),
            cancelled=shift.status == ShiftStatus.CANCELLED,
            link=shift.precinct_id in editable and shift.end > now and scheduled,
            dim=bool(only) and shift.precinct_id != only.pk,
        )

    return [
        CALENDAR_ROW.render(night=row.night, cells=tuple(map(cell, row.cells)))
        for row in rows
    ]
