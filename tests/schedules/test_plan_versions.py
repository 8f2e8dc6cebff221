"""A plan's rules change only when every member precinct has signed (issue 14)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from schedules.models import Shift, VersionStatus
from schedules.services import decisions, generation, plan_versions

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
NOON = dt.datetime(2024, 1, 22, 12, 0, tzinfo=WIB)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def version(plan, clock, kapolsek_tambora):
    generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=4)
    return plan_versions.propose_version(
        plan=plan,
        rules={"slot_minutes": 30},
        by=kapolsek_tambora,
        note="Slot 30 menit",
    )


def test_a_version_applies_only_once_every_member_has_signed(
    plan,
    version,
    tambora,
    tanjungduren,
    gambir,
    kapolsek_tambora,
    kapolres_jakbar,
    kapolres_jakpus,
):
    assert plan_versions.changes(version) == [("slot_minutes", 60, 30)]
    preview = plan_versions.preview_version(version=version)
    assert preview.moved
    plan.refresh_from_db()
    assert plan.slot_minutes == 60  # the dry run kept nothing

    plan_versions.sign_version(version=version, precinct=tambora, by=kapolsek_tambora)
    plan_versions.sign_version(
        version=version, precinct=tanjungduren, by=kapolres_jakbar
    )
    plan.refresh_from_db()
    assert plan.slot_minutes == 60
    assert Shift.objects.filter(plan=plan, night=dt.date(2024, 1, 23)).count() == 5

    plan_versions.sign_version(version=version, precinct=gambir, by=kapolres_jakpus)

    version.refresh_from_db()
    plan.refresh_from_db()
    assert version.status == VersionStatus.IN_FORCE
    assert plan.slot_minutes == 30
    night = Shift.objects.filter(plan=plan, night=dt.date(2024, 1, 23))
    assert night.exclude(status="cancelled").count() == 10
    assert AuditEvent.objects.for_object(version).count() == 4


def test_a_refused_version_never_generates(
    plan, version, tambora, gambir, kapolsek_tambora, kapolres_jakpus
):
    plan_versions.sign_version(version=version, precinct=tambora, by=kapolsek_tambora)
    with pytest.raises(ValidationError):
        plan_versions.refuse_version(
            version=version, precinct=gambir, by=kapolres_jakpus, reason=""
        )
    plan_versions.refuse_version(
        version=version, precinct=gambir, by=kapolres_jakpus, reason="Personel kurang"
    )

    version.refresh_from_db()
    assert version.status == VersionStatus.REFUSED
    with pytest.raises(decisions.AlreadyDecided):
        plan_versions.sign_version(version=version, precinct=gambir, by=kapolres_jakpus)
    generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=6)
    plan.refresh_from_db()
    assert plan.slot_minutes == 60
    assert Shift.objects.filter(plan=plan, night=dt.date(2024, 1, 27)).count() == 5


def test_a_jakarta_barat_commander_cannot_sign_for_gambir(
    version, gambir, kapolres_jakbar, kapolsek_tambora
):
    for outsider in (kapolres_jakbar, kapolsek_tambora):
        with pytest.raises(PermissionDenied):
            plan_versions.sign_version(version=version, precinct=gambir, by=outsider)


def test_only_a_member_commander_proposes_and_one_proposal_at_a_time(
    plan, version, piket_tambora, kapolres_jakpus
):
    with pytest.raises(PermissionDenied):
        plan_versions.propose_version(
            plan=plan, rules={"min_officers": 3}, by=piket_tambora
        )
    with pytest.raises(ValidationError):
        plan_versions.propose_version(
            plan=plan, rules={"min_officers": 3}, by=kapolres_jakpus
        )


def test_bad_rules_are_field_errors(plan, clock, kapolsek_tambora):
    with pytest.raises(ValidationError) as error:
        plan_versions.propose_version(
            plan=plan, rules={"slot_minutes": 70}, by=kapolsek_tambora
        )
    assert "slot_minutes" in error.value.message_dict
