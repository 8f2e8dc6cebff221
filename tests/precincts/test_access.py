"""The access helper, role by role (PRODUCT.md's table)."""

import datetime as dt

import pytest

from precincts import access
from schedules import access as schedule_access
from tests import factories


@pytest.fixture
def world(plan, tambora, tanjungduren, gambir):
    """The canal plan plus a Jakarta Pusat precinct in no joint plan with Jakbar."""
    menteng = factories.PrecinctFactory(
        code="menteng", name="Polsek Menteng", command=gambir.command
    )
    other_plan = factories.RotationPlanFactory(
        code="monas", members=[gambir, menteng], valid_from=dt.date(2024, 1, 22)
    )
    return {"menteng": menteng, "other_plan": other_plan, "canal_plan": plan}


def codes(queryset):
    return sorted(queryset.values_list("code", flat=True))


def test_an_administrator_sees_and_edits_everything(world, admin_user):
    everything = ["gambir", "menteng", "tambora", "tanjung-duren"]
    assert codes(access.visible_precincts(admin_user)) == everything
    assert codes(access.personnel_precincts(admin_user)) == everything
    assert codes(access.roster_precincts(admin_user)) == everything
    assert codes(access.commanded_precincts(admin_user)) == everything


def test_a_polres_commander_commands_its_precincts_and_sees_their_partners(
    world, kapolres_jakbar
):
    user = kapolres_jakbar
    assert codes(access.home_precincts(user)) == ["tambora", "tanjung-duren"]
    # Gambir is a partner in the canal plan; Menteng shares no plan with Jakbar.
    assert codes(access.visible_precincts(user)) == [
        "gambir",
        "tambora",
        "tanjung-duren",
    ]
    assert codes(access.personnel_precincts(user)) == ["tambora", "tanjung-duren"]
    assert codes(access.commanded_precincts(user)) == ["tambora", "tanjung-duren"]
    assert codes(access.roster_precincts(user)) == []
    assert [p.code for p in schedule_access.visible_plans(user)] == ["bkb-malam"]


def test_a_polsek_commander_commands_one_precinct(world, kapolsek_tambora):
    user = kapolsek_tambora
    assert codes(access.home_precincts(user)) == ["tambora"]
    assert codes(access.visible_precincts(user)) == [
        "gambir",
        "tambora",
        "tanjung-duren",
    ]
    assert codes(access.commanded_precincts(user)) == ["tambora"]


def test_a_duty_officer_edits_only_its_precincts_rosters(world, piket_gambir):
    user = piket_gambir
    assert codes(access.visible_precincts(user)) == [
        "gambir",
        "menteng",
        "tambora",
        "tanjung-duren",
    ]
    assert codes(access.personnel_precincts(user)) == ["gambir"]
    assert codes(access.roster_precincts(user)) == ["gambir"]
    assert codes(access.commanded_precincts(user)) == []
    assert sorted(p.code for p in schedule_access.visible_plans(user)) == [
        "bkb-malam",
        "monas",
    ]


def test_an_officer_sees_only_their_own_shifts(plan, officer_tambora, tambora, gambir):
    mine = factories.ShiftFactory(plan=plan, precinct=tambora, slot=0)
    factories.ShiftFactory(plan=plan, precinct=tambora, slot=1)
    factories.ShiftFactory(plan=plan, precinct=gambir, slot=2)
    factories.AssignmentFactory(shift=mine, officer=officer_tambora.officer)
    assert list(schedule_access.visible_shifts(officer_tambora)) == [mine]
    assert codes(access.personnel_precincts(officer_tambora)) == []
    assert codes(access.roster_precincts(officer_tambora)) == []


def test_a_login_without_a_role_sees_nothing(plan):
    user = factories.UserFactory(username="nobody")
    assert codes(access.visible_precincts(user)) == []
    assert list(schedule_access.visible_plans(user)) == []
    assert list(schedule_access.visible_shifts(user)) == []


def test_a_deactivated_login_loses_its_access(world, piket_gambir):
    piket_gambir.is_active = False
    piket_gambir.save()
    assert codes(access.visible_precincts(piket_gambir)) == []
    assert codes(access.roster_precincts(piket_gambir)) == []


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert codes(access.visible_precincts(AnonymousUser())) == []


def test_roster_visibility_on_a_shift(
    plan, tambora, gambir, piket_tambora, kapolres_jakbar
):
    theirs = factories.ShiftFactory(plan=plan, precinct=gambir, slot=1)
    ours = factories.ShiftFactory(plan=plan, precinct=tambora, slot=0)
    assert schedule_access.can_see_roster(piket_tambora, ours)
    assert not schedule_access.can_see_roster(piket_tambora, theirs)
    assert schedule_access.can_edit_roster(piket_tambora, ours)
    assert not schedule_access.can_edit_roster(piket_tambora, theirs)
    # A commander sees every roster of the joint plans its precincts are in.
    assert schedule_access.can_see_roster(kapolres_jakbar, theirs)
    assert not schedule_access.can_edit_roster(kapolres_jakbar, ours)


def test_get_shift_for_user_hides_invisible_shifts_and_refuses_writes(
    world, tambora, gambir, piket_tambora
):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    hidden = factories.ShiftFactory(plan=world["other_plan"], precinct=gambir)
    partner = factories.ShiftFactory(
        plan=world["canal_plan"],
        precinct=gambir,
        slot=3,
    )
    with pytest.raises(Http404):
        schedule_access.get_shift_for_user(piket_tambora, hidden.pk)
    with pytest.raises(Http404):
        schedule_access.get_shift_for_user(piket_tambora, "not-a-number")
    assert schedule_access.get_shift_for_user(piket_tambora, partner.pk) == partner
    with pytest.raises(PermissionDenied):
        schedule_access.get_shift_for_user(piket_tambora, partner.pk, write=True)
