import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from patrols import access, selectors, services
from patrols.models import CheckInKind
from precincts.models import Role
from tests import factories
from tests.patrols.conftest import NIGHT, wib


@pytest.fixture
def night_record(shifts, rostered, officer_tambora, piket_tambora, tanjungduren):
    """Check-ins by Andi and Budi (Tambora) and Citra (Tanjung Duren), one report."""
    piket_td = factories.make_staff(
        "piket.td", Role.DUTY_OFFICER, precinct=tanjungduren
    )
    with time_machine.travel(wib(23, 0, 0), tick=False):
        services.check_in(
            shift=shifts[0],
            officer=rostered["andi"],
            kind=CheckInKind.ARRIVE,
            by=officer_tambora,
        )
        services.check_in(
            shift=shifts[0],
            officer=rostered["budi"],
            kind=CheckInKind.ARRIVE,
            by=piket_tambora,
        )
    with time_machine.travel(wib(23, 2, 0), tick=False):
        services.check_in(
            shift=shifts[2],
            officer=rostered["citra"],
            kind=CheckInKind.ARRIVE,
            by=piket_td,
        )
    with time_machine.travel(wib(23, 6, 0), tick=False):
        report = services.submit_report(shift=shifts[0], by=officer_tambora)
        services.build_morning_report(plan=shifts[0].plan, night=NIGHT)
    return report


def test_commanders_see_every_check_in_and_report_of_their_joint_plans(
    night_record, kapolsek_tambora
):
    assert access.visible_checkins(kapolsek_tambora).count() == 3
    assert list(access.visible_reports(kapolsek_tambora)) == [night_record]
    assert access.visible_morning_reports(kapolsek_tambora).count() == 1


def test_duty_officers_see_their_own_precincts_people_only(
    night_record, piket_tambora, piket_gambir
):
    assert access.visible_checkins(piket_tambora).count() == 2
    assert access.visible_reports(piket_tambora).count() == 1
    assert not access.visible_checkins(piket_gambir).exists()
    assert not access.visible_reports(piket_gambir).exists()
    assert not access.visible_morning_reports(piket_tambora).exists()


def test_an_officer_sees_own_check_ins_and_the_reports_of_own_shifts(
    night_record, officer_tambora, rostered
):
    checkins = access.visible_checkins(officer_tambora)
    assert {c.officer for c in checkins} == {rostered["andi"]}
    assert access.visible_reports(officer_tambora).count() == 1


def test_get_report_hides_what_is_not_visible_and_locks_writes(
    night_record, piket_gambir, piket_tambora, kapolsek_tambora
):
    with pytest.raises(Http404):
        access.get_report_for_user(piket_gambir, night_record.pk)
    assert access.get_report_for_user(piket_tambora, night_record.pk, write=True)
    services.acknowledge_report(report=night_record, by=kapolsek_tambora)
    with pytest.raises(PermissionDenied):
        access.get_report_for_user(piket_tambora, night_record.pk, write=True)
    assert access.get_report_for_user(kapolsek_tambora, night_record.pk, write=True)


def test_current_shift_offers_arrive_then_leave(shifts, rostered, officer_tambora):
    andi = rostered["andi"]
    assert selectors.current_shift(officer=andi, at=wib(22, 23, 29)) is None
    early = selectors.current_shift(officer=andi, at=wib(22, 23, 45))
    assert early.shift == shifts[0]
    assert early.next_kind == CheckInKind.ARRIVE
    with time_machine.travel(wib(23, 1, 10), tick=False):
        services.check_in(
            shift=shifts[1], officer=andi, kind=CheckInKind.ARRIVE, by=officer_tambora
        )
    later = selectors.current_shift(officer=andi, at=wib(23, 1, 20))
    assert later.shift == shifts[1]
    assert later.next_kind == CheckInKind.LEAVE
    assert selectors.current_shift(officer=andi, at=wib(23, 2, 31)) is None
