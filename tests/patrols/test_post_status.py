import time_machine

from patrols import selectors, services
from patrols.models import CheckInKind
from tests.patrols.conftest import NIGHT, wib


def _arrive(shift, officer, by, at):
    with time_machine.travel(at, tick=False):
        return services.check_in(
            shift=shift, officer=officer, kind=CheckInKind.ARRIVE, by=by
        )


def _leave(shift, officer, by, at):
    with time_machine.travel(at, tick=False):
        return services.check_in(
            shift=shift, officer=officer, kind=CheckInKind.LEAVE, by=by
        )


def test_post_is_flagged_empty_only_after_the_plans_minutes(plan, shifts, rostered):
    status = selectors.night_status(plan=plan, at=wib(23, 0, 14))
    assert status.night == NIGHT
    assert not status.slots[0].post_empty
    status = selectors.night_status(plan=plan, at=wib(23, 0, 16))
    assert status.slots[0].post_empty
    assert status.slots[0].state == "active"
    plan.empty_post_minutes = 20
    plan.save()
    assert not selectors.night_status(plan=plan, at=wib(23, 0, 16)).slots[0].post_empty


def test_an_officer_at_the_post_shows_who_is_there_and_when(
    plan, shifts, rostered, piket_tambora
):
    _arrive(shifts[0], rostered["budi"], piket_tambora, wib(23, 0, 5))
    slot = selectors.night_status(plan=plan, at=wib(23, 0, 30)).slots[0]
    assert not slot.post_empty
    assert slot.present_count == 1
    budi = next(o for o in slot.officers if o.officer == rostered["budi"])
    assert budi.present
    assert budi.on_behalf
    assert budi.arrival.arrived_at == wib(23, 0, 5)
    assert budi.arrival.status == "late"


def test_post_left_empty_mid_slot_is_flagged(plan, shifts, rostered, piket_tambora):
    budi = rostered["budi"]
    _arrive(shifts[0], budi, piket_tambora, wib(22, 23, 58))
    _leave(shifts[0], budi, piket_tambora, wib(23, 0, 20))
    slot = selectors.night_status(plan=plan, at=wib(23, 0, 40)).slots[0]
    assert slot.post_empty
    assert slot.empty_minutes == 20
    assert slot.last_seen_at == wib(23, 0, 20)


def test_handover_between_precincts_shows_whether_the_next_team_came_in_time(
    plan, shifts, rostered, piket_tambora, tanjungduren
):
    from tests import factories

    piket_td = factories.make_staff("piket.td", "duty_officer", precinct=tanjungduren)
    andi, citra = rostered["andi"], rostered["citra"]
    _arrive(shifts[0], andi, piket_tambora, wib(23, 0, 0))
    _arrive(shifts[2], citra, piket_td, wib(23, 1, 50))
    status = selectors.night_status(plan=plan, at=wib(23, 2, 5))
    [handover] = [h for h in status.handovers if h.following == shifts[2]]
    assert handover.handover.status == "overlap"  # Andi is still there at 02:05
    _leave(shifts[1], andi, piket_tambora, wib(23, 2, 10))
    later = selectors.night_status(plan=plan, at=wib(23, 2, 30))
    assert [h.handover.status for h in later.handovers][:1] == ["overlap"]
    # Slot 2 → 3 (Tanjung Duren → Gambir): nobody from Gambir yet after 03:00.
    at_three = selectors.night_status(plan=plan, at=wib(23, 3, 1))
    to_gambir = next(h for h in at_three.handovers if h.following == shifts[3])
    assert to_gambir.handover.status == "not_arrived"


def test_night_status_queries_do_not_grow_with_slots_or_officers(
    plan, shifts, rostered, piket_tambora, django_assert_max_num_queries
):
    _arrive(shifts[0], rostered["budi"], piket_tambora, wib(23, 0, 5))
    with django_assert_max_num_queries(3):
        status = selectors.night_status(plan=plan, at=wib(23, 1, 30))
        assert len(status.slots) == 5
        assert sum(len(s.officers) for s in status.slots) == 5
