"""Undecided requests escalate before their shift and expire at its start; an
expired request is never applied late (issue 14)."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from notices.models import Notification
from schedules.models import RequestStatus, Shift
from schedules.services import deadlines, decisions, generation, swaps

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
NIGHT = dt.date(2024, 1, 24)


@pytest.fixture
def swap(plan, gambir, tambora, piket_gambir):
    with time_machine.travel(dt.datetime(2024, 1, 22, 12, 0, tzinfo=WIB), tick=False):
        generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=5)
        mine = (
            Shift.objects.filter(plan=plan, night=NIGHT, precinct=gambir)
            .order_by("start")
            .first()
        )
        return swaps.request_swap(shift=mine, to_precinct=tambora, by=piket_gambir)


def test_a_swap_escalates_to_both_polres_twelve_hours_before_then_expires(
    swap,
    kapolres_jakbar,
    kapolres_jakpus,
    kapolsek_tambora,
    piket_tambora,
    django_capture_on_commit_callbacks,
):
    start = swap.shift.start
    with time_machine.travel(start - dt.timedelta(hours=13), tick=False):
        assert deadlines.run_deadlines() == (0, 0)
    with (
        time_machine.travel(start - dt.timedelta(hours=11), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert deadlines.run_deadlines() == (0, 1)
        assert deadlines.run_deadlines() == (0, 0)  # once
    told = {n.recipient for n in Notification.objects.filter(kind="request_escalated")}
    assert told == {kapolres_jakbar, kapolres_jakpus}

    with (
        time_machine.travel(start + dt.timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("request_deadlines", stdout=io.StringIO())
        swap.refresh_from_db()
        assert swap.status == RequestStatus.EXPIRED
        # Never applied late: an answer now is refused.
        with pytest.raises(decisions.AlreadyDecided):
            swaps.accept_swap(swap=swap, by=piket_tambora)
    assert Shift.objects.get(pk=swap.shift_id).precinct.code == "gambir"
    assert Notification.objects.filter(
        kind="request_decided", recipient=kapolsek_tambora
    ).exists()


def test_the_escalation_hours_are_the_plans(swap, plan):
    plan.escalation_hours = 2
    plan.save()
    with time_machine.travel(swap.shift.start - dt.timedelta(hours=3), tick=False):
        assert deadlines.run_deadlines() == (0, 0)
    with time_machine.travel(swap.shift.start - dt.timedelta(hours=1), tick=False):
        assert deadlines.run_deadlines() == (0, 1)
