"""The Roster page and one shift's roster: add, remove, lead, copy the last team."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit import history
from audit import selectors as audit_selectors
from common import fragments
from common.views import require_GET_or_POST
from precincts import access
from schedules import access as schedule_access
from schedules import forms, roster_forms
from schedules.models import Shift, ShiftStatus
from schedules.selectors import candidates as candidate_selectors
from schedules.selectors import roster as roster_selectors
from schedules.services import roster
from schedules.templatetags import giliran

ROSTER_NIGHTS = 14
ROSTER_ROW = fragments.Fragment("schedules/_roster_row.html", maxsize=8192)


@require_safe
@login_required
def roster_list(request):
    """The coming shifts of the user's precinct(s), nearest first."""
    shifts = roster_selectors.coming_shifts(
        request.user, nights=ROSTER_NIGHTS, now=timezone.now()
    )
    context = {
        "shifts": shifts,
        "by_night": _by_night(shifts),
        "short_count": sum(1 for shift in shifts if shift.short),
        "nights": ROSTER_NIGHTS,
    }
    return render(request, "schedules/roster.html", context)


def _by_night(shifts: list[roster_selectors.RosterShift]) -> list[dict]:
    """The shifts grouped by duty night, each rendered once per process for what it
    shows (common.fragments)."""
    groups: list[dict] = []
    for shift in shifts:
        if not groups or groups[-1]["night"] != shift.night:
            groups.append(
                {
                    "night": shift.night,
                    "id": f"{shift.night:%Y%m%d}",
                    "title": giliran.night_label(shift.night, shift.plan),
                    "rows": [],
                }
            )
        groups[-1]["rows"].append(_roster_row(shift))
    return groups


def _roster_row(shift: roster_selectors.RosterShift):
    plan, tz = shift.plan, shift.plan.tz
    return ROSTER_ROW.render(
        pk=shift.pk,
        start=f"{timezone.localtime(shift.start, tz):%H:%M}",
        end=f"{timezone.localtime(shift.end, tz):%H:%M}",
        plan=plan.name,
        precinct=shift.precinct.name,
        colour=shift.precinct.colour,
        team=shift.team,
        count=len(shift.team),
        minimum=plan.min_officers,
        short=shift.short,
    )


def _shift_page(
    request, shift: Shift, add_form=None, status: int = 200, can_edit: bool = True
):
    search = roster_forms.SearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    context = {
        "shift": shift,
        "can_edit": can_edit,
        "history": _shift_history(request.user, shift),
        # "leader" sorts before "member".
        "team": shift.assignments.select_related("officer").order_by("role", "pk"),
    }
    if can_edit:
        context |= _editor_context(request, shift, query, add_form)
        context["search"] = search
    return render(request, "schedules/shift.html", context, status=status)


def _editor_context(request, shift: Shift, query: str, add_form) -> dict:
    """The add form, its candidates with their standing (busy, resting...), the
    same-team offer, and an undo for a removal just made."""
    found = list(roster_forms.candidates(shift, query))
    standing = candidate_selectors.standings(shift, [o.pk for o in found])
    for officer in found:
        officer.standing = standing[officer.pk]
    # A stale refusal keeps the choices: they come back in the query string.
    kept = roster_forms.kept_choices(request.GET)
    previous = roster.previous_shift(shift)
    return {
        "candidates": found,
        "add_form": add_form
        or roster_forms.AddOfficersForm(
            initial={"version": shift.version} | kept, shift=shift
        ),
        "previous": previous,
        "copy_offer": candidate_selectors.copy_offer(shift, previous),
        "undo": roster_forms.undo_offer(request.GET, shift),
        "next_short": _next_short_shift(request.user, shift),
    }


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


def _changed_meanwhile(request, shift_pk: int, keep: dict | None = None):
    messages.error(
        request,
        _(
            "Someone else changed this shift while you were editing it. Nothing of "
            "yours was saved: check the roster below and try again."
        ),
    )
    url = reverse("schedules:shift", args=[shift_pk])
    return redirect(url + roster_forms.keep_query(keep) if keep else url)


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
    form = roster_forms.AddOfficersForm(request.POST, shift=shift)
    if form.is_valid():
        try:
            form.save(by=request.user)
        except roster.ShiftChanged:
            return _changed_meanwhile(request, pk, keep=form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error, {"officer": "officers"})
        else:
            messages.success(request, _("Roster saved."))
            return redirect("schedules:shift", pk=pk)
    shift.refresh_from_db()
    return _shift_page(request, shift, add_form=form, status=400)


def _roster_change(request, pk: int, change, *, undo: bool = False) -> object:
    """Remove an officer or set the leader: the same bind-call-redirect steps. A
    removal comes back with an undo (the officer and their role in the URL)."""
    shift = schedule_access.get_shift_for_user(request.user, pk, write=True)
    form = roster_forms.OfficerOnShiftForm(request.POST, shift=shift)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("schedules:shift", pk=pk)
    officer = form.cleaned_data["officer"]
    role = shift.assignments.filter(officer=officer).values_list("role", flat=True)
    role = role.first() if undo else None
    try:
        change(
            shift=shift,
            officer=officer,
            by=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except roster.ShiftChanged:
        return _changed_meanwhile(request, pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Roster saved."))
        if role:
            url = reverse("schedules:shift", args=[pk])
            return redirect(f"{url}?{urlencode({'undo': officer.pk, 'role': role})}")
    return redirect("schedules:shift", pk=pk)


@require_POST
@login_required
def remove_officer(request, pk: int):
    return _roster_change(request, pk, roster.remove_officer, undo=True)


@require_POST
@login_required
def set_leader(request, pk: int):
    return _roster_change(request, pk, roster.set_leader)


@require_POST
@login_required
def copy_previous_team(request, pk: int):
    """The "same team as the previous shift" shortcut."""
    shift = schedule_access.get_shift_for_user(request.user, pk, write=True)
    form = roster_forms.VersionedShiftForm(request.POST, shift=shift)
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
