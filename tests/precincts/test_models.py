import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from precincts import geo
from precincts.models import Officer
from schedules.models import PlanMember, RotationPlan
from tests import factories

CANAL = {
    "type": "Polygon",
    "coordinates": [[[106.800, -6.153], [106.802, -6.153], [106.802, -6.144],
                     [106.800, -6.144], [106.800, -6.153]]],
}  # fmt: skip


@pytest.mark.parametrize("nrp", ["1234567", "123456789", "8100000A", " 81000001", ""])
def test_an_nrp_must_be_eight_digits(tambora, nrp):
    officer = Officer(nrp=nrp, name="Test", rank="bripda", precinct=tambora)
    with pytest.raises(ValidationError) as error:
        officer.full_clean()
    assert "nrp" in error.value.message_dict


def test_a_rank_must_be_one_of_the_police_ranks(tambora):
    officer = Officer(nrp="81000001", name="Test", rank="general", precinct=tambora)
    with pytest.raises(ValidationError) as error:
        officer.full_clean()
    assert "rank" in error.value.message_dict


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [106.8, -6.1]},
        {
            "type": "Polygon",
            "coordinates": [[[106.8, -6.1], [106.9, -6.1], [106.8, -6.1]]],
        },
        {
            "type": "Polygon",
            "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0.5]]],
        },
        {"type": "Polygon", "coordinates": [[[200, 0], [1, 0], [1, 1], [200, 0]]]},
        {"type": "Polygon", "coordinates": "nope"},
        {"type": "MultiPolygon", "coordinates": []},
        "not even an object",
    ],
)
def test_a_zone_area_must_be_a_valid_polygon(canal, geometry):
    canal.geometry = geometry
    with pytest.raises(ValidationError) as error:
        canal.full_clean()
    assert "geometry" in error.value.message_dict


@pytest.mark.parametrize(
    "point",
    [
        {"type": "Point", "coordinates": [106.8]},
        {"type": "Point", "coordinates": [106.8, -95]},
        {"type": "Point", "coordinates": ["106.8", "-6.1"]},
        {"type": "Polygon", "coordinates": [106.8, -6.1]},
    ],
)
def test_a_post_location_must_be_a_valid_point(canal, point):
    canal.post_location = point
    with pytest.raises(ValidationError) as error:
        canal.full_clean()
    assert "post_location" in error.value.message_dict


def test_a_valid_zone_passes(canal):
    canal.geometry = CANAL
    canal.post_location = {"type": "Point", "coordinates": [106.801, -6.148]}
    canal.full_clean()


def test_point_in_polygon_honours_holes():
    square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    area = {"type": "Polygon", "coordinates": [square, hole]}
    geo.validate_area(area)
    assert geo.contains(area, 2, 2)
    assert not geo.contains(area, 5, 5)
    assert not geo.contains(area, 11, 5)
    assert geo.contains({"type": "MultiPolygon", "coordinates": [[square]]}, 9.9, 0.1)
    assert geo.contains(CANAL, 106.801, -6.148)
    assert not geo.contains(CANAL, 106.81, -6.148)


def test_a_slot_length_must_divide_the_window(canal):
    plan = RotationPlan(
        code="odd", name="Odd", zone=canal, window_start=dt.time(0),
        window_end=dt.time(5), slot_minutes=45, valid_from=dt.date(2024, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "slot_minutes" in error.value.message_dict
    plan.slot_minutes = 60
    plan.full_clean()
    assert plan.slot_count == 5


def test_a_plan_crossing_midnight_counts_its_slots(canal):
    plan = RotationPlan(
        window_start=dt.time(22), window_end=dt.time(4), slot_minutes=90
    )
    assert plan.window_minutes == 360
    assert plan.slot_count == 4


def test_a_plan_time_zone_must_exist(canal):
    plan = RotationPlan(
        code="tz", name="TZ", zone=canal, valid_from=dt.date(2024, 1, 1),
        time_zone="Asia/Atlantis",
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "time_zone" in error.value.message_dict


def test_plan_members_must_share_the_zone(plan):
    outsider = factories.PrecinctFactory(code="menteng")
    member = PlanMember(plan=plan, precinct=outsider, position=5)
    with pytest.raises(ValidationError) as error:
        member.full_clean()
    assert "precinct" in error.value.message_dict
    plan.zone.precincts.add(outsider)
    member.full_clean()
