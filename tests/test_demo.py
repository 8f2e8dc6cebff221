"""The demo loader: the seed world, logins, generated shifts; idempotent; guarded."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from precincts.models import Officer, Precinct, StaffProfile, Zone
from schedules import demo
from schedules.models import Assignment, RotationPlan, Shift

# 21:00 WIB on Monday 22 January 2024, the evening of the press release.
EVENING = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)


def snapshot():
    return {
        "precincts": sorted(Precinct.objects.values_list("code", "name", "colour")),
        "officers": sorted(
            Officer.objects.values_list("nrp", "name", "rank", "active")
        ),
        "zone": list(Zone.objects.values_list("code", "geometry", "post_location")),
        "plans": list(RotationPlan.objects.values_list("code", "slot_minutes")),
        "shifts": sorted(
            Shift.objects.values_list(
                "plan__code",
                "night",
                "slot",
                "precinct__code",
                "status",
                "reason",
                "version",
            )
        ),
        "assignments": sorted(
            Assignment.objects.values_list(
                "shift__night", "shift__slot", "officer__nrp", "role"
            )
        ),
        "profiles": sorted(StaffProfile.objects.values_list("user__username", "role")),
    }


@pytest.mark.django_db
@time_machine.travel(EVENING, tick=False)
def test_the_demo_builds_the_canal_world():
    result = demo.load_demo()
    assert sorted(Precinct.objects.values_list("code", flat=True)) == [
        "gambir",
        "tambora",
        "tanjung-duren",
    ]
    assert Officer.objects.count() == 3 * 12
    zone = Zone.objects.get()
    zone.full_clean()  # the polygon and the post point are valid GeoJSON
    plan = result.plan
    assert (
        plan.window_start,
        plan.window_end,
        plan.slot_minutes,
        plan.min_officers,
    ) == (
        dt.time(0),
        dt.time(5),
        60,
        4,
    )
    assert [m.precinct.code for m in plan.memberships.order_by("position")] == [
        "tambora",
        "tanjung-duren",
        "gambir",
    ]
    # Tonight (22 Jan) through the rolling horizon, five slots a night.
    nights = set(plan.shifts.values_list("night", flat=True))
    assert dt.date(2024, 1, 22) in nights
    assert len(nights) >= plan.horizon_days
    assert plan.shifts.filter(night=dt.date(2024, 1, 22)).count() == 5
    # Tonight is staffed, with one Gambir slot short on purpose.
    tonight = plan.shifts.filter(night=dt.date(2024, 1, 22)).prefetch_related(
        "assignments"
    )
    sizes = sorted(s.assignments.count() for s in tonight)
    assert sizes[0] < plan.min_officers <= sizes[-1]


@pytest.mark.django_db
@time_machine.travel(EVENING, tick=False)
def test_loading_the_demo_twice_leaves_the_same_data():
    demo.load_demo()
    first = snapshot()
    demo.load_demo()
    assert snapshot() == first


@pytest.mark.django_db
@time_machine.travel(EVENING, tick=False)
def test_every_demo_login_works_with_the_published_password():
    result = demo.load_demo()
    usernames = [u for u, _role in result.logins]
    assert usernames == [
        "admin",
        "kapolres.jakbar",
        "kapolres.jakpus",
        "kapolsek.tambora",
        "kapolsek.tanjungduren",
        "kapolsek.gambir",
        "piket.tambora",
        "piket.tanjungduren",
        "piket.gambir",
        "petugas.tambora",
    ]
    for username in usernames:
        assert authenticate(username=username, password=demo.DEMO_PASSWORD), username
    assert Officer.objects.get(user__username="petugas.tambora").precinct.code == (
        "tambora"
    )


@pytest.mark.django_db
def test_the_command_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    assert not Precinct.objects.exists()


@pytest.mark.django_db
@time_machine.travel(EVENING, tick=False)
def test_the_command_prints_the_logins(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    out = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in out
    assert "piket.gambir" in out
    for commander in ("kapolsek.gambir", "kapolsek.tanjungduren", "kapolres.jakpus"):
        assert commander in out
