from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from precincts import access
from schedules import access as schedule_access


@login_required
def home(request):
    """The plans this user may see, with a way into admin for administrators."""
    plans = (
        schedule_access.visible_plans(request.user)
        .select_related("zone")
        .prefetch_related("memberships__precinct")
    )
    return render(
        request,
        "schedules/home.html",
        {"plans": plans, "is_administrator": access.is_administrator(request.user)},
    )
