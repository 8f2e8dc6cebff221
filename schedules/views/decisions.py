"""One blackout or swap, with what deciding it would do, and the decision.

The page shows the request, where each side stands (the receiving precinct's
acceptance, the asking commander's approval, with their notes), and the dry run:
every shift that would change hands (night, slot, from, to, why), any staffing
limit it would break, and for a swap the receiver's blackouts, rest conflicts and
the officers it would take off a roster. Who may press which button is the
services' rule; the page only offers the buttons they would accept.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from precincts import access
from schedules import forms
from schedules.models import Blackout, RequestStatus
from schedules.selectors import impact as request_selectors
from schedules.services import decisions
from schedules.services import requests as services_requests
from schedules.services import swaps as services_swaps
from schedules.views.requests import _swap_for_user


def _blackout_for_user(user, pk: int) -> Blackout:
    home = access.home_precincts(user).values("pk")
    return get_object_or_404(
        Blackout.objects.select_related("precinct", "requested_by", "decided_by"),
        pk=pk,
        precinct__in=home,
    )


@require_safe
@login_required
def swap_page(request, pk: int):
    """A swap, both sides' answers, and what carrying it out would move."""
    swap = _swap_for_user(request.user, pk)
    impact = request_selectors.swap_impact(swap)
    # Names of officers are personnel data: a partner precinct sees how many.
    seen = set(access.personnel_precincts(request.user).values_list("pk", flat=True))
    impact.hidden_off_roster = sum(
        1 for a in impact.off_roster if a.officer.precinct_id not in seen
    )
    impact.off_roster = [a for a in impact.off_roster if a.officer.precinct_id in seen]
    context = {
        "swap": swap,
        "impact": impact,
        "may_accept": swap.is_open
        and swap.accepted_at is None
        and services_swaps.may_accept(request.user, swap),
        "may_approve": swap.is_open
        and swap.approved_at is None
        and services_swaps.may_approve(request.user, swap),
    }
    context["may_refuse"] = context["may_accept"] or context["may_approve"]
    context["moved"] = request_selectors.moved_rows(swap.moved)
    context["accept_buttons"] = [
        ("accept", _("Accept"), "primary"),
        ("refuse", _("Refuse"), "danger"),
    ]
    context["approve_buttons"] = approve_buttons()
    return render(request, "schedules/swap.html", context)


def approve_buttons() -> list[tuple[str, str, str]]:
    return [("approve", _("Approve"), "primary"), ("reject", _("Reject"), "danger")]


@require_safe
@login_required
def blackout_page(request, pk: int):
    """A blackout and what approving it would move."""
    blackout = _blackout_for_user(request.user, pk)
    context = {
        "blackout": blackout,
        "impact": request_selectors.blackout_impact(blackout),
        "may_decide": blackout.status == RequestStatus.PENDING
        and decisions.commands(request.user, blackout.precinct),
        "moved": request_selectors.moved_rows(blackout.moved),
        "decide_buttons": approve_buttons(),
    }
    return render(request, "schedules/blackout.html", context)


def _moved_message(obj) -> str:
    if obj.status != RequestStatus.APPROVED:
        return ""
    return " " + (
        _("%(count)s shifts moved.") % {"count": len(obj.moved)}
        if obj.moved
        else _("No shift moved.")
    )


def _run(request, action, obj_url):
    """Call one decision service with the form's note (and override); say what
    happened, or why not."""
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do."))
        return redirect(obj_url)
    data = form.cleaned_data
    try:
        obj, done = action(data["decision"], data["note"], data["override"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done + _moved_message(obj))
    return redirect(obj_url)


@require_POST
@login_required
def decide_swap(request, pk: int):
    swap = _swap_for_user(request.user, pk)

    def action(decision, note, override):
        by = request.user
        if decision in ("reject", "refuse"):
            return services_swaps.reject_swap(swap=swap, by=by, note=note), _(
                "Refused."
            )
        service = (
            services_swaps.accept_swap
            if decision == "accept"
            else services_swaps.approve_swap
        )
        done = service(swap=swap, by=by, note=note, override=override)
        if done.status == RequestStatus.APPROVED:
            return done, _("Done: the swap is carried out.")
        if decision == "accept":
            return done, _("Accepted; waiting for a commander of %(p)s to approve.") % {
                "p": done.from_precinct
            }
        return done, _("Approved; waiting for %(p)s to accept.") % {
            "p": done.to_precinct
        }

    return _run(request, action, swap_url(swap))


@require_POST
@login_required
def decide_blackout(request, pk: int):
    blackout = _blackout_for_user(request.user, pk)

    def action(decision, note, override):
        by = request.user
        if decision in ("reject", "refuse"):
            return services_requests.reject_blackout(
                blackout=blackout, by=by, note=note
            ), _("Rejected.")
        done = services_requests.approve_blackout(
            blackout=blackout, by=by, note=note, override=override
        )
        return done, _("Approved.")

    return _run(request, action, blackout_url(blackout))


def swap_url(swap) -> str:
    return reverse("schedules:swap", args=[swap.pk])


def blackout_url(blackout) -> str:
    return reverse("schedules:blackout", args=[blackout.pk])
