"""The Requests page: duty officers ask for blackouts and swaps, commanders decide.

Who may ask or decide is the services' rule (schedules.services.requests); these
views only pick what to list and which choices to offer, through the access helpers.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from precincts import access
from schedules import access as schedule_access
from schedules import forms
from schedules.models import RequestStatus, ShiftStatus, SwapRequest
from schedules.selectors import requests as request_selectors
from schedules.services import requests as services_requests
from schedules.services import swaps as services_swaps
from schedules.views import request_rows

REQUEST_NIGHTS = 28
REQUEST_LIST_LIMIT = 50


def _asking_precincts(user):
    """Precincts the user may ask blackouts and swaps for."""
    return (access.roster_precincts(user) | access.commanded_precincts(user)).distinct()


def _blackout_form(user, data=None):
    return forms.BlackoutRequestForm(data, precincts=_asking_precincts(user))


def _swap_form(user, data=None):
    now = timezone.now()
    coming = (
        schedule_access.visible_shifts(user)
        .filter(status=ShiftStatus.SCHEDULED, start__gt=now)
        .filter(night__lte=timezone.localdate(now) + dt.timedelta(days=REQUEST_NIGHTS))
        .select_related("plan", "precinct")
        .order_by("start")
        .distinct()
    )
    asking = _asking_precincts(user).values("pk")
    return forms.SwapRequestForm(
        data,
        own_shifts=coming.filter(precinct__in=asking),
        partner_shifts=coming.exclude(precinct__in=asking),
        partners=access.visible_precincts(user).exclude(pk__in=asking),
    )


def _requests_page(request, blackout_form=None, swap_form=None, status=200):
    user = request.user
    home = access.home_precincts(user).values("pk")
    decidable = set(access.commanded_precincts(user).values_list("pk", flat=True))
    asking = set(_asking_precincts(user).values_list("pk", flat=True))
    context = {
        "blackouts": [
            request_rows.blackout(row, decidable)
            for row in request_selectors.blackouts(home, limit=REQUEST_LIST_LIMIT)
        ],
        "swaps": [
            request_rows.swap(row, asking)
            for row in request_selectors.swaps(home, limit=REQUEST_LIST_LIMIT)
        ],
        "asking": asking,
        # Each plan's agreement (versions, signatures) is one link away.
        "plans": list(schedule_access.visible_plans(user).only("pk", "name")),
        "blackout_form": blackout_form or _blackout_form(user),
        "swap_form": swap_form or _swap_form(user),
    }
    return render(request, "schedules/requests.html", context, status=status)


@require_safe
@login_required
def requests_page(request):
    """Blackout and swap requests: ask, follow, and (commanders) decide."""
    return _requests_page(request)


@require_POST
@login_required
def new_blackout(request):
    form = _blackout_form(request.user, request.POST)
    return _ask(
        request,
        form,
        services_requests.request_blackout,
        _blackout_done,
        blackout_form=form,
    )


def _blackout_done(blackout) -> str:
    # A commander's own blackout is approved at once: say so.
    if blackout.status == RequestStatus.APPROVED:
        return _("Blackout approved.")
    return _("Blackout requested.")


@require_POST
@login_required
def new_swap(request):
    form = _swap_form(request.user, request.POST)
    return _ask(
        request,
        form,
        services_swaps.request_swap,
        lambda swap: _("Swap requested."),
        swap_form=form,
    )


def _ask(request, form, service, done, **shown):
    """Bind, call the request service, redirect; or the page again with errors."""
    if form.is_valid():
        try:
            obj = service(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            forms.apply_service_errors(form, error)
        else:
            messages.success(request, done(obj))
            return redirect("schedules:requests")
    return _requests_page(request, status=400, **shown)


def _swap_for_user(user, pk: int) -> SwapRequest:
    home = access.home_precincts(user).values("pk")
    return get_object_or_404(
        SwapRequest.objects.filter(
            Q(from_precinct__in=home) | Q(to_precinct__in=home)
        ).distinct(),
        pk=pk,
    )


@require_POST
@login_required
def withdraw_swap(request, pk: int):
    swap = _swap_for_user(request.user, pk)
    try:
        services_swaps.withdraw_swap(swap=swap, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Swap request withdrawn."))
    return redirect("schedules:requests")
