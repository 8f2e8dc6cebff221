"""The night's pages: Tonight, check-in, patrol reports, morning reports.

Each view fetches through an access helper, binds a form and calls a service; who
may do what is decided in patrols.services and patrols.access.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from audit import history
from audit import selectors as audit_selectors
from common import fragments
from common.views import require_GET_or_POST
from patrols import access, forms, selectors, services
from patrols.models import PatrolReport
from precincts import access as precinct_access
from precincts.models import Officer
from schedules import access as schedule_access
from schedules import forms as schedule_forms
from schedules.forms import apply_service_errors
from schedules.models import Shift, ShiftStatus
from schedules.selectors import board as board_selectors
from schedules.templatetags import giliran

RECENT_NIGHTS = 31


# --- tonight ---------------------------------------------------------------------


@require_safe
@login_required
def tonight(request):
    """Each visible plan's rotation for one duty night, tonight by default."""
    night, form = schedule_forms.requested_night(request)
    at = timezone.now()
    board = board_selectors.night_board(user=request.user, night=night, at=at)
    shown = night or (board.plans[0].night if board.plans else timezone.localdate(at))
    context = {
        "board": board,
        "live": selectors.tonight_live(board, user=request.user, at=at),
        "at": at,
        "night_form": form,
        "shown": shown,
        "is_tonight": night is None,
        "previous_night": shown - dt.timedelta(days=1),
        "next_night": shown + dt.timedelta(days=1),
        "own_only": schedule_access.sees_own_shifts_only(request.user),
    }
    status = 400 if form.errors else 200
    return render(request, "schedules/tonight.html", context, status=status)


# --- check-in ---------------------------------------------------------------------


@require_GET_or_POST
@login_required
def checkin(request):
    """The officer's current shift and one big button; a duty officer's open shifts."""
    officer = Officer.objects.filter(user=request.user, active=True).first()
    form = forms.CheckInForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if officer is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            shift = schedule_access.get_shift_for_user(
                request.user, form.cleaned_data["shift"]
            )
            try:
                checkin = form.save(shift=shift, officer=officer, by=request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _checkin_message(checkin, shift))
                return redirect("patrols:checkin")
    current = selectors.current_shift(officer=officer) if officer else None
    context = {
        "officer": officer,
        "current": current,
        "form": form,
        "open_shifts": _open_shifts(request.user),
    }
    return render(request, "patrols/checkin.html", context, status=status)


def _checkin_message(checkin, shift: Shift) -> str:
    at = f"{timezone.localtime(checkin.at, shift.plan.tz):%H:%M}"
    if checkin.kind == "arrive":
        return _("Recorded: at the post since %(at)s.") % {"at": at}
    return _("Recorded: left the post at %(at)s.") % {"at": at}


def _open_shifts(user) -> list[Shift]:
    """The shifts a duty officer may record check-ins for now."""
    editable = precinct_access.roster_precincts(user)
    now = timezone.now()
    shifts = (
        schedule_access.visible_shifts(user)
        .filter(precinct__in=editable, status=ShiftStatus.SCHEDULED)
        # Grace is set per plan: a day either side covers any, checked below.
        .filter(start__lte=now + dt.timedelta(days=1))
        .filter(end__gte=now - dt.timedelta(days=1))
        .select_related("plan", "precinct")
        .order_by("start", "plan__name")
    )
    return [
        shift
        for shift in shifts
        if services.checkin_window(shift)[0] <= now <= services.checkin_window(shift)[1]
    ]


@require_GET_or_POST
@login_required
def shift_checkins(request, pk: int):
    """A duty officer records check-ins for officers without a phone."""
    shift = schedule_access.get_shift_for_user(request.user, pk, write=True)
    form = forms.OnBehalfCheckInForm(request.POST or None, shift=shift)
    if request.method == "POST" and form.is_valid():
        checkin = form.save(by=request.user)
        if checkin is not None:
            messages.success(
                request,
                _("%(officer)s: %(what)s.")
                % {"officer": checkin.officer.name, "what": checkin.get_kind_display()},
            )
            return redirect("patrols:shift_checkins", pk=pk)
    status = selectors.night_status(plan=shift.plan, night=shift.night)
    slot = next((s for s in status.slots if s.shift.pk == shift.pk), None)
    context = {
        "shift": shift,
        "slot": slot,
        "form": form,
        "checkins": shift.checkins.select_related("officer", "recorded_by"),
    }
    code = 400 if form.is_bound else 200
    return render(request, "patrols/shift_checkins.html", context, status=code)


# --- patrol reports -----------------------------------------------------------------


@require_GET_or_POST
@login_required
def report_new(request, shift_pk: int):
    """Write the report of a shift, pre-filled from its check-ins."""
    shift = schedule_access.get_shift_for_user(request.user, shift_pk)
    existing = PatrolReport.objects.filter(shift=shift).values_list("pk", flat=True)
    if existing:
        return redirect("patrols:report", pk=existing[0])
    if not services.can_write_report(request.user, shift):
        raise PermissionDenied
    prefill = selectors.report_prefill(shift=shift)
    form = forms.ReportForm(
        request.POST or None,
        shift=shift,
        initial={
            "started_at": forms.wall_clock(shift, prefill["started_at"]),
            "ended_at": forms.wall_clock(shift, prefill["ended_at"]),
            "present": prefill["present"],
        },
    )
    # A new incident's time defaults to the patrol's pre-filled end (valid as
    # opened); an incident form left as it came is still skipped.
    formset = forms.IncidentFormSet(
        request.POST or None,
        prefix="incidents",
        form_kwargs={
            "initial": {"occurred_at": forms.wall_time(shift, prefill["ended_at"])}
        },
    )
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        report = forms.submit(form, formset, by=request.user)
        if report is not None:
            messages.success(request, _("Report filed."))
            return redirect("patrols:report", pk=report.pk)
    context = {"shift": shift, "form": form, "formset": formset, "report": None}
    code = 400 if form.is_bound else 200
    return render(request, "patrols/report_form.html", context, status=code)


@require_safe
@login_required
def report_detail(request, pk: int):
    """A report, its incidents and every version of it."""
    access.get_report_for_user(request.user, pk)
    report = selectors.report_with_history(pk)
    context = {
        "report": report,
        "shift": report.shift,
        "can_correct": services.can_correct_report(request.user, report),
        "can_acknowledge": report.status != "acknowledged"
        and services.can_acknowledge_report(request.user, report),
        "audit_history": _report_history(request.user, report),
    }
    return render(request, "patrols/report.html", context)


def _report_history(user, report: PatrolReport) -> list[history.Entry] | None:
    """The report's audit trail (with its incidents') for commanders and
    administrators, else None."""
    if not history.may_see(user):
        return None
    events = audit_selectors.report_history(report)
    return history.entries(
        events, tz=report.shift.plan.tz, own=report, parent_key="report_id"
    )


@require_GET_or_POST
@login_required
def report_correct(request, pk: int):
    """Correct a report: its fields and incidents, kept as a new version."""
    access.get_report_for_user(request.user, pk, write=True)
    report = selectors.report_with_history(pk)
    shift = report.shift
    incidents = list(report.incidents.all())
    form = forms.ReportForm(
        request.POST or None,
        shift=shift,
        report=report,
        initial={
            "started_at": forms.wall_clock(shift, report.started_at),
            "ended_at": forms.wall_clock(shift, report.ended_at),
            "present": [o.pk for o in report.present.all()],
            "summary": report.summary,
            "version": report.version,
        },
    )
    formset = forms.IncidentFormSet(
        request.POST or None,
        prefix="incidents",
        initial=forms.incident_initial(shift, incidents),
        known_ids=[i.pk for i in incidents],
    )
    # Both validated, so both show their errors.
    valid = request.method == "POST" and all([form.is_valid(), formset.is_valid()])
    if valid and forms.correct(form, formset, by=request.user) is not None:
        messages.success(request, _("Report corrected."))
        return redirect("patrols:report", pk=pk)
    context = {"shift": shift, "form": form, "formset": formset, "report": report}
    code = 400 if form.is_bound else 200
    return render(request, "patrols/report_form.html", context, status=code)


@require_POST
@login_required
def report_acknowledge(request, pk: int):
    report = access.get_report_for_user(request.user, pk)
    try:
        services.acknowledge_report(report=report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Report acknowledged."))
    return redirect("patrols:report", pk=pk)


# --- morning reports ------------------------------------------------------------------


@require_safe
@login_required
def morning_reports(request):
    """The recent morning reports of each plan the user sees (commanders)."""
    since = timezone.localdate() - dt.timedelta(days=RECENT_NIGHTS)
    by_plan: dict = {}
    for report in (
        access.visible_morning_reports(request.user)
        .filter(night__gte=since)
        .select_related("plan")
        # The list shows the counts; each report's data is read on its own page.
        .defer("data")
        .order_by("plan__name", "plan_id", "-night")
    ):
        by_plan.setdefault(report.plan, []).append(report)
    context = {
        "by_plan": by_plan,
        "sections": [
            (plan, [_morning_row(report) for report in reports])
            for plan, reports in by_plan.items()
        ],
        "days": RECENT_NIGHTS,
    }
    return render(request, "patrols/morning_reports.html", context)


MORNING_ROW = fragments.Fragment("patrols/_morning_row.html")


def _morning_row(report):
    """A night's line of the list, rendered once per process for what it shows."""
    return MORNING_ROW.render(
        pk=report.pk,
        night=giliran.night_label(report.night, report.plan),
        empty_posts=report.empty_post_count,
        late=report.late_count,
        absent=report.absent_count,
        incidents=report.incident_count,
        missing=report.missing_report_count,
    )


@require_safe
@login_required
def morning_report(request, pk: int):
    """One night's morning report, printable on A4."""
    report = get_object_or_404(
        access.visible_morning_reports(request.user).select_related("plan__zone"),
        pk=pk,
    )
    data = report.data
    names = {
        s["precinct"]["code"]: s["precinct"]["name"]
        for s in data["slots"]
        if s["precinct"]
    }
    handovers = [
        h
        | {
            "from_name": names.get(h["from"], h["from"]),
            "to_name": names.get(h["to"], h["to"]),
        }
        for h in data["handovers"]
    ]
    # The stored report names precincts by code (the API's); the page by name.
    incidents = [
        i | {"precinct_name": names.get(i["precinct"], i["precinct"] or "")}
        for i in data["incidents"]
    ]
    context = {
        "report": report,
        "data": data,
        "handovers": handovers,
        "incidents": incidents,
        "plan": report.plan,
    }
    return render(request, "patrols/morning_report.html", context)
