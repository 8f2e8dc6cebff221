"""Every structural rule is a database constraint: a violating write fails, whatever
path it takes (these use the ORM's create/update, which skip model validation)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from patrols.models import CheckIn, Incident, PatrolReport
from precincts.models import Officer, Precinct, StaffProfile
from schedules.models import (
    Assignment,
    Blackout,
    PlanMember,
    RotationPlan,
    Shift,
    ShiftStatus,
    SwapRequest,
)
from tests import factories

T0 = dt.datetime(2024, 1, 22, 17, 0, tzinfo=dt.UTC)  # 00:00 WIB, 23 Jan
HOUR = dt.timedelta(hours=1)


def violates(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()
    return True


@pytest.fixture
def shift(plan, tambora):
    return Shift.objects.create(
        plan=plan, precinct=tambora, night=dt.date(2024, 1, 22), slot=0,
        start=T0, end=T0 + HOUR,
    )  # fmt: skip


def test_one_holder_per_plan_slot(plan, shift, gambir):
    assert violates(
        lambda: Shift.objects.create(
            plan=plan,
            precinct=gambir,
            night=dt.date(2024, 1, 22),
            slot=1,
            start=T0,
            end=T0 + HOUR,
        )
    )


def test_a_cancelled_shift_may_share_its_hour_with_the_live_one(plan, shift, gambir):
    shift.status = ShiftStatus.CANCELLED
    shift.save()

    Shift.objects.create(
        plan=plan,
        precinct=gambir,
        night=dt.date(2024, 1, 22),
        slot=1,
        start=T0,
        end=T0 + HOUR,
    )


def test_one_shift_per_night_and_slot_of_a_plan(plan, shift, gambir):
    assert violates(
        lambda: Shift.objects.create(
            plan=plan,
            precinct=gambir,
            night=dt.date(2024, 1, 22),
            slot=0,
            start=T0 + HOUR,
            end=T0 + 2 * HOUR,
        )
    )


def test_a_shift_ends_after_it_starts(shift):
    assert violates(lambda: Shift.objects.filter(pk=shift.pk).update(end=shift.start))


def test_only_an_uncovered_shift_has_no_holder(shift):
    assert violates(lambda: Shift.objects.filter(pk=shift.pk).update(precinct=None))
    assert violates(
        lambda: Shift.objects.filter(pk=shift.pk).update(status="uncovered")
    )
    Shift.objects.filter(pk=shift.pk).update(precinct=None, status="uncovered")


def test_an_officer_is_on_a_shift_once(shift, tambora):
    officer = factories.OfficerFactory(precinct=tambora)
    Assignment.objects.create(shift=shift, officer=officer)
    assert violates(lambda: Assignment.objects.create(shift=shift, officer=officer))


def test_a_shift_has_one_leader(shift, tambora):
    first, second = factories.OfficerFactory.create_batch(2, precinct=tambora)
    Assignment.objects.create(shift=shift, officer=first, role="leader")
    assert violates(
        lambda: Assignment.objects.create(shift=shift, officer=second, role="leader")
    )


def test_plan_member_positions_and_precincts_are_unique(plan, tambora):
    assert violates(
        lambda: PlanMember.objects.create(
            plan=plan, precinct=factories.PrecinctFactory(), position=0
        )
    )
    assert violates(
        lambda: PlanMember.objects.create(plan=plan, precinct=tambora, position=9)
    )


def test_plan_validity_ends_after_it_starts(plan):
    assert violates(
        lambda: RotationPlan.objects.filter(pk=plan.pk).update(
            valid_until=plan.valid_from - dt.timedelta(days=1)
        )
    )


@pytest.mark.parametrize("field", ["slot_minutes", "min_officers", "horizon_days"])
def test_plan_sizes_are_positive(plan, field):
    assert violates(
        lambda: RotationPlan.objects.filter(pk=plan.pk).update(**{field: 0})
    )


def test_nrp_is_eight_digits_and_unique(tambora):
    factories.OfficerFactory(precinct=tambora, nrp="81000001")
    assert violates(lambda: factories.OfficerFactory(precinct=tambora, nrp="81000001"))
    assert violates(lambda: factories.OfficerFactory(precinct=tambora, nrp="8100001"))
    assert violates(lambda: factories.OfficerFactory(precinct=tambora, nrp="8100000A"))


def test_precinct_codes_are_unique_and_capacity_positive(tambora):
    assert violates(
        lambda: Precinct.objects.create(
            code="tambora", name="x", command=tambora.command
        )
    )
    assert violates(
        lambda: Precinct.objects.filter(pk=tambora.pk).update(max_concurrent_posts=0)
    )


def test_staff_profile_scope_matches_role(jakbar, tambora):
    user = factories.UserFactory()
    assert violates(
        lambda: StaffProfile.objects.create(
            user=user, role="duty_officer", command=jakbar
        )
    )
    assert violates(lambda: StaffProfile.objects.create(user=user, role="commander"))
    assert violates(
        lambda: StaffProfile.objects.create(
            user=user, role="commander", command=jakbar, precinct=tambora
        )
    )
    StaffProfile.objects.create(user=user, role="commander", command=jakbar)


def test_a_blackout_ends_after_it_starts(tambora):
    assert violates(
        lambda: Blackout.objects.create(precinct=tambora, start=T0, end=T0, reason="x")
    )


def test_swaps_are_between_two_precincts_and_match_their_kind(shift, tambora, gambir):
    assert violates(
        lambda: SwapRequest.objects.create(
            shift=shift, from_precinct=tambora, to_precinct=tambora
        )
    )
    assert violates(
        lambda: SwapRequest.objects.create(
            shift=shift, kind="trade", from_precinct=tambora, to_precinct=gambir
        )
    )
    SwapRequest.objects.create(shift=shift, from_precinct=tambora, to_precinct=gambir)
    assert violates(
        lambda: SwapRequest.objects.create(
            shift=shift, from_precinct=tambora, to_precinct=gambir
        )
    )


def test_a_report_per_shift_ending_after_it_starts(shift):
    PatrolReport.objects.create(shift=shift, started_at=T0, ended_at=T0 + HOUR)
    assert violates(
        lambda: PatrolReport.objects.create(
            shift=shift, started_at=T0, ended_at=T0 + HOUR
        )
    )
    assert violates(
        lambda: PatrolReport.objects.filter(shift=shift).update(ended_at=T0)
    )
    assert violates(
        lambda: PatrolReport.objects.filter(shift=shift).update(status="acknowledged")
    )


def test_locations_are_in_range_and_complete(shift, tambora):
    officer = factories.OfficerFactory(precinct=tambora)
    assert violates(
        lambda: CheckIn.objects.create(
            shift=shift, officer=officer, kind="arrive", at=T0, latitude=-6.1
        )
    )
    assert violates(
        lambda: CheckIn.objects.create(
            shift=shift, officer=officer, kind="arrive", at=T0, latitude=95, longitude=1
        )
    )
    report = PatrolReport.objects.create(shift=shift, started_at=T0, ended_at=T0 + HOUR)
    assert violates(
        lambda: Incident.objects.create(
            report=report, category="brawl", occurred_at=T0, latitude=1, longitude=200
        )
    )


def test_protected_rows_cannot_be_deleted_from_under_a_shift(shift, tambora):
    officer = factories.OfficerFactory(precinct=tambora)
    Assignment.objects.create(shift=shift, officer=officer)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Officer.objects.filter(pk=officer.pk).delete()
