"""The Calendar page: a week or month of one plan, with the fairness tallies."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from precincts import access
from schedules import access as schedule_access
from schedules import forms, nights, selectors
from schedules.selectors import grid


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
    shifts = list(
        schedule_access.visible_shifts(user)
        .filter(plan=plan)
        .between_nights(first, last)
        .select_related("precinct")
        .distinct()
    )
    members = [m.precinct for m in plan.memberships.select_related("precinct")]
    by_pk = {p.pk: p for p in members}
    report = selectors.fairness_report(plan=plan, first=first, last=last)
    return {
        "view": view,
        "anchor": anchor,
        "first": first,
        "last": last,
        "previous_anchor": grid.step(anchor, view, -1),
        "next_anchor": grid.step(anchor, view, +1),
        "rows": grid.rows(first, last, plan.slot_count, shifts),
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
        "editable": set(access.roster_precincts(user).values_list("pk", flat=True)),
        "now": timezone.now(),
    }
