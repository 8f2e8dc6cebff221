import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from patrols import presence
from patrols.presence import Event, Interval

T0 = dt.datetime(2024, 1, 22, 17, 0, tzinfo=dt.UTC)


def t(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_repeated_arrivals_and_stray_leaves_change_nothing():
    events = [
        Event(1, "leave", t(-10)),
        Event(1, "arrive", t(0)),
        Event(1, "arrive", t(5)),
        Event(1, "leave", t(30)),
        Event(1, "leave", t(35)),
        Event(1, "arrive", t(40)),
    ]
    assert presence.intervals_by_officer(events)[1] == [
        Interval(t(0), t(30)),
        Interval(t(40), None),
    ]


def test_empty_minutes_start_counting_after_the_allowance():
    allowance = dt.timedelta(minutes=15)
    assert presence.empty_minutes([], t(0), t(60), allowance) == 45
    assert presence.empty_minutes([Interval(t(14), None)], t(0), t(60), allowance) == 0
    assert (
        presence.empty_minutes([Interval(t(20), t(50))], t(0), t(60), allowance) == 15
    )


def test_arrival_is_on_time_late_or_absent():
    assert presence.arrival([Interval(t(-5), None)], t(0), t(60)).status == "on_time"
    late = presence.arrival([Interval(t(12), t(40))], t(0), t(60))
    assert (late.status, late.minutes_late) == ("late", 12)
    assert presence.arrival([Interval(t(-30), t(-1))], t(0), t(60)).status == "absent"
    assert presence.arrival([], t(0), t(60)).status == "absent"


def test_handover_overlap_gap_and_waiting():
    boundary = t(60)
    overlap = presence.handover(
        [Interval(t(0), t(62))], [Interval(t(55), None)], boundary, t(70)
    )
    assert overlap.status == "overlap"
    gap = presence.handover(
        [Interval(t(0), t(58))], [Interval(t(65), None)], boundary, t(70)
    )
    assert (gap.status, gap.gap_minutes) == ("gap", 7)
    assert presence.handover([Interval(t(0), None)], [], boundary, t(61)).status == (
        "not_arrived"
    )
    assert presence.handover([Interval(t(0), None)], [], boundary, t(59)).status == (
        "upcoming"
    )


intervals = st.lists(
    st.tuples(st.integers(-30, 90), st.integers(1, 60)).map(
        lambda p: Interval(t(p[0]), t(p[0] + p[1]))
    ),
    max_size=6,
)


@given(intervals)
def test_covered_and_empty_minutes_add_up_to_the_checked_time(team):
    held = presence.covered(team, t(0), t(60))
    held_minutes = sum((e - s).total_seconds() // 60 for s, e in held)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(held))
    assert (
        presence.empty_minutes(team, t(0), t(60), dt.timedelta()) == 60 - held_minutes
    )
