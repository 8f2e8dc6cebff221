"""One night of one plan on paper and as text, and the landing redirect."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from common import text
from schedules import access as schedule_access
from schedules import forms
from schedules.selectors import board as board_module


@require_safe
@login_required
def home(request):
    """The landing page after login is Tonight."""
    return redirect("tonight")


def _night_context(request, plan_pk: int) -> dict:
    """One plan's board of the night asked for, as the print and text pages show it."""
    night, _form = forms.requested_night(request)
    board = board_module.night_board(user=request.user, night=night)
    for board_plan in board.plans:
        if board_plan.plan.pk == plan_pk:
            return {
                "bp": board_plan,
                "own_only": schedule_access.sees_own_shifts_only(request.user),
            }
    raise Http404


@require_safe
@login_required
def print_night(request, plan_pk: int):
    """One plan's night on A4, for the post and the precinct board."""
    return render(request, "schedules/print.html", _night_context(request, plan_pk))


@require_safe
@login_required
def night_text(request, plan_pk: int):
    """The night as short plain text, ready to paste into a chat group."""
    context = _night_context(request, plan_pk)
    body = text.lines(render_to_string("schedules/night.txt", context, request))
    return HttpResponse(body.strip() + "\n", content_type="text/plain; charset=utf-8")
