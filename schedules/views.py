"""The pages people use. Each view fetches through an access helper, binds a form,
calls a service and redirects or renders; the rules live in the services."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from audit import history
from audit import selectors as audit_selectors
from precincts import access
from precincts.models import Role
from schedules import access as schedule_access
from schedules import board as board_module
from schedules import forms, grid, nights, selectors
from schedules.models import Assignment, Shift, ShiftStatus
from schedules.services import roster

ROSTER_NIGHTS = 14


# A page with a form: read it, post it; nothing else.
require_GET_or_POST = require_http_methods(["GET", "HEAD", "POST"])


@require_safe
@login_required
def home(request):
    """The landing page after login is Tonight."""
    return redirect("schedules:tonight")


# --- roster -----------------------------------------------------------------------


@require_safe
@login_required
def roster_list(request):
    """The coming shifts of the user's precinct(s), nearest first."""
    now = timezone.now()
    shifts = list(
        schedule_access.visible_shifts(request.user)
        .filter(precinct__in=access.roster_precincts(request.user))
        .filter(status=ShiftStatus.SCHEDULED, end__gt=now)
        .filter(night__lte=timezone.localdate(now) + dt.timedelta(days=ROSTER_NIGHTS))
        .select_related("plan", "precinct")
        # A plain list per shift (to_attr): a prefetch into the related manager
        # clones a queryset per shift, a third of the page's time.
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("officer"),
                to_attr="team",
            )
        )
        .order_by("start", "plan__name")
    )
    short = [s for s in shifts if len(s.team) < s.plan.min_officers]
    return render(
        request,
        "schedules/roster.html",
        {"shifts": shifts, "short_count": len(short), "nights": ROSTER_NIGHTS},
    )


def _shift_page(
    request, shift: Shift, add_form=None, status: int = 200, can_edit: bool = True
):
    search = forms.SearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    context = {
        "shift": shift,
        "can_edit": can_edit,
        "history": _shift_history(request.user, shift),
        # "leader" sorts before "member".
        "team": shift.assignments.select_related("officer").order_by("role", "pk"),
    }
    if can_edit:
        context |= {
            "candidates": forms.candidates(shift, query),
            "search": search,
            "add_form": add_form
            or forms.AddOfficersForm(initial={"version": shift.version}, shift=shift),
            "previous": roster.previous_shift(shift),
            "next_short": _next_short_shift(request.user, shift),
        }
    return render(request, "schedules/shift.html", context, status=status)


def _shift_history(user, shift: Shift) -> list[history.Entry] | None:
    """The shift's audit trail for commanders and administrators, else None."""
    if not history.may_see(user):
        return None
    events = audit_selectors.shift_history(shift)
    return history.entries(events, tz=shift.plan.tz, own=shift, parent_key="shift_id")


def _next_short_shift(user, shift: Shift) -> Shift | None:
    """The precinct's next shift still short of officers, to fill after this one."""
    return (
        schedule_access.visible_shifts(user)
        .filter(precinct=shift.precinct_id, status=ShiftStatus.SCHEDULED)
        .filter(start__gt=shift.start)
        .annotate(on_roster=Count("assignments"))
        .filter(on_roster__lt=F("plan__min_officers"))
        .select_related("plan")
        .order_by("start")
        .first()
    )


def _changed_meanwhile(request, shift_pk: int):
    messages.error(
        request,
        _(
            "Someone else changed this shift while you were editing it. Nothing of "
            "yours was saved: check the roster below and try again."
        ),
    )
    return redirect("schedules:shift", pk=shift_pk)


@require_GET_or_POST
@login_required
def shift_edit(request, pk: int):
    """One shift's roster: add officers (GET shows, POST adds). Commanders read
    it, with its history, without changing it."""
    reading = request.method != "POST" and history.may_see(request.user)
    shift = schedule_access.get_shift_for_user(request.user, pk, write=not reading)
    if request.method != "POST":
        # Only administrators both read the history and edit rosters.
        can_edit = not reading or access.is_administrator(request.user)
        return _shift_page(request, shift, can_edit=can_edit)
    form = forms.AddOfficersForm(request.POST, shift=shift)
    if form.is_valid():
        try:
            form.save(by=request.user)
        except roster.ShiftChanged:
            return _changed_meanwhile(request, pk)
        except ValidationError as error:
            forms.apply_service_errors(form, error, {"officer": "officers"})
        else:
            messages.success(request, _("Roster saved."))
            return redirect("schedules:shift", pk=pk)
    shift.refresh_from_db()
    return _shift_page(request, shift, add_form=form, status=400)


def _roster_change(request, pk: int, change) -> object:
    """Remove an officer or set the leader: the same bind-call-redirect steps."""
    shift = schedule_access.get_shift_for_user(request.user, pk, write=True)
    form = forms.OfficerOnShiftForm(request.POST, shift=shift)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("schedules:shift", pk=pk)
    try:
        change(
            shift=shift,
            officer=form.cleaned_data["officer"],
            by=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except roster.ShiftChanged:
        return _changed_meanwhile(request, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Roster saved."))
    return redirect("schedules:shift", pk=pk)


@require_POST
@login_required
def remove_officer(request, pk: int):
    return _roster_change(request, pk, roster.remove_officer)


@require_POST
@login_required
def set_leader(request, pk: int):
    return _roster_change(request, pk, roster.set_leader)


@require_POST
@login_required
def copy_previous_team(request, pk: int):
    """The "same team as the previous shift" shortcut."""
    shift = schedule_access.get_shift_for_user(request.user, pk, write=True)
    form = forms.VersionedShiftForm(request.POST, shift=shift)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: reload and try again."))
        return redirect("schedules:shift", pk=pk)
    try:
        added = roster.copy_previous_team(
            shift=shift, by=request.user, expected_version=form.cleaned_data["version"]
        )
    except roster.ShiftChanged:
        return _changed_meanwhile(request, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(count)s officers copied from the previous shift.")
            % {"count": len(added)},
        )
    return redirect("schedules:shift", pk=pk)


# --- account ----------------------------------------------------------------------


@require_GET_or_POST
@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed."))
        return redirect("schedules:tonight")
    status = 400 if form.is_bound else 200
    return render(request, "schedules/password.html", {"form": form}, status=status)


# --- tonight and print --------------------------------------------------------------


def _night_or_400(request):
    """The ?night= the user asked for (None means tonight) and its form."""
    form = forms.NightForm(request.GET)
    night = form.cleaned_data["night"] if form.is_valid() else None
    return night, form


@require_safe
@login_required
def tonight(request):
    """Each visible plan's rotation for one duty night, tonight by default."""
    night, form = _night_or_400(request)
    at = timezone.now()
    board = board_module.night_board(user=request.user, night=night, at=at)
    shown = night or (board.plans[0].night if board.plans else timezone.localdate(at))
    context = {
        "board": board,
        "at": at,
        "night_form": form,
        "shown": shown,
        "is_tonight": night is None,
        "previous_night": shown - dt.timedelta(days=1),
        "next_night": shown + dt.timedelta(days=1),
        "own_only": _own_shifts_only(request.user),
    }
    status = 400 if form.errors else 200
    return render(request, "schedules/tonight.html", context, status=status)


def _own_shifts_only(user) -> bool:
    """An officer's board holds only the shifts they are on: the other slots are
    hidden from them, not missing, so the pages leave them out."""
    return access.role_of(user) == Role.OFFICER


def _board_plan(request, plan_pk: int):
    night, _form = _night_or_400(request)
    board = board_module.night_board(user=request.user, night=night)
    for board_plan in board.plans:
        if board_plan.plan.pk == plan_pk:
            return board_plan
    raise Http404


@require_safe
@login_required
def print_night(request, plan_pk: int):
    """One plan's night on A4, for the post and the precinct board."""
    context = {
        "bp": _board_plan(request, plan_pk),
        "own_only": _own_shifts_only(request.user),
    }
    return render(request, "schedules/print.html", context)


@require_safe
@login_required
def night_text(request, plan_pk: int):
    """The night as short plain text, ready to paste into a chat group."""
    context = {
        "bp": _board_plan(request, plan_pk),
        "own_only": _own_shifts_only(request.user),
    }
    text = render_to_string("schedules/night.txt", context, request)
    return HttpResponse(text.strip() + "\n", content_type="text/plain; charset=utf-8")


# --- calendar ---------------------------------------------------------------------


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
