"""Nights a precinct can staff: the team arithmetic and staffing_limits()."""

import datetime as dt
import itertools

import pytest

from schedules import staffing
from schedules.models import Shift
from schedules.rotation import teams
from schedules.services import roster
from tests import factories


def _fits(slots, slot_minutes, rest_minutes):
    """May one officer hold all these slots, by the roster's rule: every two of
    them touch or lie at least the rest apart."""
    for a, b in itertools.combinations(sorted(slots), 2):
        gap = (b - a - 1) * slot_minutes
        if 0 < gap < rest_minutes or (gap == 0 and b != a + 1):
            return False
    return True


def _fewest_teams(held, slot_minutes, rest_minutes):
    """Brute force: the fewest groups of slots one officer each may hold."""
    held = sorted(held)
    for count in range(len(held) + 1):
        for labels in itertools.product(range(count), repeat=len(held)):
            groups = [[s for s, g in zip(held, labels, strict=True) if g == t]
                      for t in range(count)]  # fmt: skip
            if all(_fits(g, slot_minutes, rest_minutes) for g in groups):
                return count
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    ("slots", "slot_minutes", "rest_minutes"),
    [(5, 60, 480), (5, 60, 120), (6, 60, 180), (7, 30, 60), (4, 60, 0), (6, 120, 120)],
)
def test_teams_for_every_arrangement_match_a_brute_force_of_the_roster_rule(
    slots, slot_minutes, rest_minutes
):
    reach = teams.reach(slot_minutes=slot_minutes, rest_minutes=rest_minutes)
    worst = [0] * (slots + 1)
    for count in range(slots + 1):
        for held in itertools.combinations(range(slots), count):
            expected = _fewest_teams(held, slot_minutes, rest_minutes)
            assert teams.teams_needed(held, slots=slots, reach_=reach) == expected
            worst[count] = max(worst[count], expected)
    assert list(teams.worst_teams(slots, reach)) == worst


def test_a_precinct_with_three_teams_staffs_the_whole_seed_window_but_two_do_not():
    seed = {"min_officers": 4, "slots": 5, "slot_minutes": 60, "rest_minutes": 480}

    assert teams.slots_staffable(officers=12, **seed) == 5
    # Two teams stand two runs of two touching slots; a third slot apart from
    # them (0, 2, 4) would need a third team.
    assert teams.slots_staffable(officers=11, **seed) == 2
    assert teams.slots_staffable(officers=3, **seed) == 0


@pytest.mark.django_db
def test_limits_come_from_active_officers_less_what_other_plans_need(
    plan, canal, tambora, tanjungduren, gambir
):
    for _ in range(12):
        factories.OfficerFactory(precinct=tambora)
    factories.OfficerFactory(precinct=tambora, active=False)
    for _ in range(8):
        factories.OfficerFactory(precinct=gambir)
    other = factories.RotationPlanFactory(
        zone=canal, min_officers=4, members=[tambora, gambir]
    )
    night = dt.date(2024, 1, 23)
    # Tambora holds one slot of the other plan that night: four officers spoken for.
    factories.ShiftFactory(plan=other, precinct=tambora, night=night, slot=0)

    limits = staffing.staffing_limits(plan=plan, first=dt.date(2024, 1, 22), last=night)

    assert limits[tambora.pk, dt.date(2024, 1, 22)] == 5
    assert limits[tambora.pk, night] == 2
    assert limits[gambir.pk, night] == 2
    # No officers on record: not limited.
    assert limits[tanjungduren.pk, night] == 5


@pytest.mark.django_db
def test_the_worst_arrangement_of_the_limit_can_be_rostered(plan, tambora):
    """Eight officers and a limit of two: the two slots furthest apart still take
    four officers each through the roster service itself."""
    officers = [factories.OfficerFactory(precinct=tambora) for _ in range(8)]
    night = dt.date(2030, 1, 7)
    limit = staffing.staffing_limits(plan=plan, first=night, last=night)
    assert limit[tambora.pk, night] == 2
    shifts = [
        factories.ShiftFactory(plan=plan, precinct=tambora, night=night, slot=slot)
        for slot in (0, 4)
    ]
    for shift, team in zip(shifts, (officers[:4], officers[4:]), strict=True):
        for officer in team:
            roster.assign_officer(shift=shift, officer=officer, by=None)
    # A third slot between them cannot be staffed by anyone of the eight.
    middle = factories.ShiftFactory(plan=plan, precinct=tambora, night=night, slot=2)
    for officer in officers:
        with pytest.raises(roster.ValidationError):
            roster.assign_officer(shift=middle, officer=officer, by=None)
    assert Shift.objects.filter(plan=plan).count() == 3


@pytest.mark.django_db
def test_generation_never_gives_a_precinct_more_slots_than_its_officers_staff(
    plan, tambora, tanjungduren, gambir
):
    """Four officers of Tambora are one team: one slot a night (two slots apart
    would need a second team). Its other turns go to the others, and the fairness
    report shows the limit."""
    from schedules import selectors
    from schedules.services import generation

    now = dt.datetime(2024, 1, 1, 12, 0, tzinfo=dt.UTC)
    for _ in range(4):
        factories.OfficerFactory(precinct=tambora)
    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=21, now=now
    )

    held = {}
    for night, precinct in Shift.objects.filter(plan=plan).values_list(
        "night", "precinct"
    ):
        held[precinct, night] = held.get((precinct, night), 0) + 1
    nights = {night for _, night in held}
    assert len(nights) == 21
    assert max(held.get((tambora.pk, night), 0) for night in nights) == 1
    assert not result.uncovered
    handed_on = [d for d in result.decisions if d.cause == "staffing"]
    assert handed_on
    assert all(d.substitute_for == tambora.pk for d in handed_on)

    last = plan.valid_from + dt.timedelta(days=20)
    report = selectors.fairness_report(plan=plan, first=plan.valid_from, last=last)
    rows = {m.precinct_id: m for m in report.members}
    assert report.limited
    assert rows[tambora.pk].limited_nights == 21
    assert rows[tambora.pk].fewest_staffable == 1
    assert rows[tambora.pk].over_limit == 0
    assert rows[gambir.pk].fewest_staffable is None

    # Four more officers: the limit is an input, so the next run recomputes.
    for _ in range(4):
        factories.OfficerFactory(precinct=tambora)
    again = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=21, now=now
    )
    assert not again.skipped
    assert again.changed
