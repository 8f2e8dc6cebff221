import datetime as dt
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schedules import nights

WIB = ZoneInfo("Asia/Jakarta")
NY = ZoneInfo("America/New_York")


def at(y, m, d, hh, mm=0, tz=WIB):
    return dt.datetime(y, m, d, hh, mm, tzinfo=tz)


def test_the_canal_patrol_of_tuesday_morning_belongs_to_monday_night():
    start, end = nights.window_bounds(dt.date(2024, 1, 22), dt.time(0), dt.time(5), WIB)
    assert start == at(2024, 1, 23, 0)
    assert end == at(2024, 1, 23, 5)
    assert nights.duty_night(start) == dt.date(2024, 1, 22)


def test_a_window_crossing_midnight_starts_on_its_duty_night():
    start, end = nights.window_bounds(
        dt.date(2024, 1, 22), dt.time(22), dt.time(4), WIB
    )
    assert start == at(2024, 1, 22, 22)
    assert end == at(2024, 1, 23, 4)
    assert nights.duty_night(start) == dt.date(2024, 1, 22)


def test_an_evening_window_inside_one_day():
    start, end = nights.window_bounds(
        dt.date(2024, 1, 22), dt.time(18), dt.time(23), WIB
    )
    assert (start, end) == (at(2024, 1, 22, 18), at(2024, 1, 22, 23))
    assert nights.window_minutes(dt.time(18), dt.time(23)) == 300


def test_a_morning_window_inside_one_day_belongs_to_the_evening_before():
    start, end = nights.window_bounds(
        dt.date(2024, 1, 22), dt.time(6), dt.time(11), WIB
    )
    assert (start, end) == (at(2024, 1, 23, 6), at(2024, 1, 23, 11))


@pytest.mark.parametrize(
    ("window", "minutes"),
    [
        ((dt.time(0), dt.time(5)), 300),
        ((dt.time(22), dt.time(4)), 360),
        ((dt.time(20), dt.time(20)), 24 * 60),
        ((dt.time(23, 30), dt.time(0, 15)), 45),
    ],
)
def test_window_length_counts_across_midnight(window, minutes):
    assert nights.window_minutes(*window) == minutes


def test_slots_cut_the_canal_window_into_five_hours():
    slots = nights.slot_bounds(dt.date(2024, 1, 22), dt.time(0), dt.time(5), 60, WIB)
    local = [(s.astimezone(WIB), e.astimezone(WIB)) for s, e in slots]
    assert [(s.hour, e.hour) for s, e in local] == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
        (4, 5),
    ]
    assert all(s.date() == dt.date(2024, 1, 23) for s, _ in local)
    assert all(s.tzinfo is dt.UTC for s, _ in slots)


def test_slots_share_a_longer_night_when_daylight_saving_ends():
    # 2024-11-03 01:00-02:00 happens twice in New York: 22:00-04:00 lasts 7 hours.
    slots = nights.slot_bounds(dt.date(2024, 11, 2), dt.time(22), dt.time(4), 60, NY)
    assert len(slots) == 6
    assert {(e - s).total_seconds() for s, e in slots} == {70 * 60}
    assert slots[0][0] == dt.datetime(2024, 11, 2, 22, tzinfo=NY)
    assert slots[-1][1] == dt.datetime(2024, 11, 3, 4, tzinfo=NY)


def test_slots_share_a_shorter_night_when_daylight_saving_starts():
    # 2024-03-10 02:00-03:00 never happens in New York: 22:00-04:00 lasts 5 hours.
    slots = nights.slot_bounds(dt.date(2024, 3, 9), dt.time(22), dt.time(4), 60, NY)
    assert len(slots) == 6
    assert all(e > s for s, e in slots)
    assert all(a[1] == b[0] for a, b in pairwise(slots))
    assert sum((e - s).total_seconds() for s, e in slots) == 5 * 3600


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2024, 1, 23, 3), dt.date(2024, 1, 22)),  # in progress
        (at(2024, 1, 23, 4, 59), dt.date(2024, 1, 22)),
        (at(2024, 1, 23, 5), dt.date(2024, 1, 23)),  # ended exactly now
        (at(2024, 1, 23, 6), dt.date(2024, 1, 23)),  # the coming night
        (at(2024, 1, 22, 21), dt.date(2024, 1, 22)),  # the evening before
        (at(2024, 1, 22, 23, 59), dt.date(2024, 1, 22)),
    ],
)
def test_tonight_for_the_canal_window(moment, expected):
    assert nights.tonight(moment, dt.time(0), dt.time(5), WIB) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2024, 1, 22, 21), dt.date(2024, 1, 22)),
        (at(2024, 1, 22, 23), dt.date(2024, 1, 22)),
        (at(2024, 1, 23, 3), dt.date(2024, 1, 22)),
        (at(2024, 1, 23, 4), dt.date(2024, 1, 23)),
        (at(2024, 1, 23, 12), dt.date(2024, 1, 23)),
    ],
)
def test_tonight_for_a_window_crossing_midnight(moment, expected):
    assert nights.tonight(moment, dt.time(22), dt.time(4), WIB) == expected


def test_tonight_for_a_window_inside_one_evening():
    window = (dt.time(18), dt.time(23))
    assert nights.tonight(at(2024, 1, 22, 22), *window, WIB) == dt.date(2024, 1, 22)
    assert nights.tonight(at(2024, 1, 22, 23, 30), *window, WIB) == dt.date(2024, 1, 23)
    assert nights.last_night(at(2024, 1, 22, 23, 30), *window, WIB) == dt.date(
        2024, 1, 22
    )


def test_tonight_reads_the_instant_in_the_plans_time_zone():
    utc_moment = dt.datetime(2024, 1, 22, 20, 0, tzinfo=dt.UTC)  # 03:00 WIB on the 23rd
    assert nights.tonight(utc_moment, dt.time(0), dt.time(5), WIB) == dt.date(
        2024, 1, 22
    )


def test_tonight_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        nights.tonight(dt.datetime(2024, 1, 23, 3), dt.time(0), dt.time(5), WIB)  # noqa: DTZ001


times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(
    moment=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from([WIB, NY, ZoneInfo("UTC")]),
    ),
    start=times,
    end=times,
)
def test_tonight_is_the_first_night_whose_window_has_not_ended(moment, start, end):
    night = nights.tonight(moment, start, end, WIB)
    assert nights.window_bounds(night, start, end, WIB)[1] > moment
    before = night - dt.timedelta(days=1)
    assert nights.window_bounds(before, start, end, WIB)[1] <= moment
    assert nights.last_night(moment, start, end, WIB) == before
