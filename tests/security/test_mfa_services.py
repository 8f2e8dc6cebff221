"""Two-factor services: who must use it, enrolment, replay, recovery codes, resets."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEvent
from security import checks, mfa
from tests.security.otp import code_of, enrol, wrong_code


@pytest.fixture(autouse=True)
def _english():
    """The messages are checked in English (the site speaks Indonesian)."""
    with translation.override("en"):
        yield


START = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def actions_for(user) -> list[str]:
    return list(
        AuditEvent.objects.for_object(user)
        .exclude(action__in=[Action.CREATE, Action.UPDATE, Action.DELETE])
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_administrators_and_commanders_need_it_only_when_required(
    mfa_required,
    settings,
    admin_user,
    kapolres_jakbar,
    kapolsek_tambora,
    piket_tambora,
    officer_tambora,
):
    required = [admin_user, kapolres_jakbar, kapolsek_tambora]
    for user in required:
        assert mfa.required_by_role(user), user
    for user in (piket_tambora, officer_tambora):
        assert not mfa.required_by_role(user), user

    settings.MFA_REQUIRED = False
    assert not any(mfa.required_by_role(user) for user in required)


def test_anyone_enrolled_needs_a_code_whatever_the_setting(piket_tambora, clock):
    assert not mfa.code_needed(piket_tambora)
    enrol(piket_tambora)
    assert mfa.code_needed(piket_tambora)


def test_enrolment_confirms_the_device_and_gives_ten_single_use_codes(
    piket_tambora, clock
):
    device, codes = enrol(piket_tambora)

    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert mfa.recovery_codes_left(piket_tambora) == 10
    assert actions_for(piket_tambora) == [Action.MFA_ENROLLED]


def test_reloading_the_setup_keeps_one_secret(piket_tambora):
    first = mfa.start_enrolment(user=piket_tambora)
    again = mfa.start_enrolment(user=piket_tambora)
    assert first.pk == again.pk
    assert first.key == again.key


def test_a_wrong_first_code_leaves_the_device_unconfirmed(piket_tambora, clock):
    device = mfa.start_enrolment(user=piket_tambora)
    wrong = wrong_code(device)

    with pytest.raises(ValidationError) as error:
        mfa.confirm_enrolment(user=piket_tambora, code=wrong)

    assert "code" in error.value.message_dict
    device.refresh_from_db()
    assert not device.confirmed
    assert device.throttling_failure_count == 1
    assert not mfa.is_enrolled(piket_tambora)
    assert not StaticToken.objects.exists()


def test_an_enrolled_user_cannot_enrol_again_to_bypass_the_code(piket_tambora, clock):
    enrol(piket_tambora)
    with pytest.raises(ValidationError):
        mfa.start_enrolment(user=piket_tambora)


def test_a_code_is_accepted_once_and_its_replay_refused(piket_tambora, clock):
    device, _codes = enrol(piket_tambora)
    clock.shift(dt.timedelta(seconds=30))
    code = code_of(device)

    verified = mfa.verify_code(user=piket_tambora, code=code)
    assert verified.device.pk == device.pk
    assert not verified.recovery
    assert verified.codes_left is None

    clock.shift(dt.timedelta(seconds=5))
    with pytest.raises(ValidationError, match="already used"):
        mfa.verify_code(user=piket_tambora, code=code)


def test_a_recovery_code_works_once(piket_tambora, clock):
    _device, codes = enrol(piket_tambora)

    verified = mfa.verify_code(user=piket_tambora, code=codes[3].upper())
    assert verified.recovery
    assert verified.codes_left == mfa.recovery_codes_left(piket_tambora) == 9

    clock.shift(dt.timedelta(seconds=5))
    with pytest.raises(ValidationError, match="already used"):
        mfa.verify_code(user=piket_tambora, code=codes[3])
    assert Action.RECOVERY_CODE_USED in actions_for(piket_tambora)


def test_a_wrong_code_makes_the_device_wait(piket_tambora, clock):
    device, _codes = enrol(piket_tambora)
    clock.shift(dt.timedelta(seconds=30))
    with pytest.raises(ValidationError):
        mfa.verify_code(user=piket_tambora, code=wrong_code(device))

    with pytest.raises(ValidationError, match="wait"):
        mfa.verify_code(user=piket_tambora, code=code_of(device))

    clock.shift(dt.timedelta(seconds=2))
    assert mfa.verify_code(user=piket_tambora, code=code_of(device))


def test_new_recovery_codes_replace_the_old_ones(piket_tambora, clock):
    _device, old = enrol(piket_tambora)

    new = mfa.regenerate_recovery_codes(user=piket_tambora)

    assert not set(new) & set(old)
    with pytest.raises(ValidationError):
        mfa.verify_code(user=piket_tambora, code=old[0])
    clock.shift(dt.timedelta(seconds=5))
    assert mfa.verify_code(user=piket_tambora, code=new[0]).recovery
    assert Action.RECOVERY_CODES_NEW in actions_for(piket_tambora)


def test_turning_it_off_needs_a_current_code(piket_tambora, clock):
    device, _codes = enrol(piket_tambora)
    clock.shift(dt.timedelta(seconds=30))
    with pytest.raises(ValidationError):
        mfa.remove_second_factor(user=piket_tambora, code="")
    assert mfa.is_enrolled(piket_tambora)

    with pytest.raises(ValidationError):
        mfa.remove_second_factor(user=piket_tambora, code=wrong_code(device))
    # A wrong code makes removal wait too: guessing is as slow as at login.
    with pytest.raises(ValidationError, match="wait"):
        mfa.remove_second_factor(user=piket_tambora, code=code_of(device))
    clock.shift(dt.timedelta(seconds=3))

    mfa.remove_second_factor(user=piket_tambora, code=code_of(device))

    assert not mfa.is_enrolled(piket_tambora)
    assert mfa.recovery_codes_left(piket_tambora) == 0
    assert actions_for(piket_tambora)[-1] == Action.MFA_REMOVED


def test_an_administrator_reset_removes_every_device_and_is_audited(
    admin_user, kapolsek_tambora, clock
):
    enrol(kapolsek_tambora)

    assert mfa.reset_second_factor(user=kapolsek_tambora, by=admin_user)

    assert not mfa.is_enrolled(kapolsek_tambora)
    assert not TOTPDevice.objects.filter(user=kapolsek_tambora).exists()
    event = AuditEvent.objects.get(action=Action.MFA_RESET)
    assert event.actor_id == admin_user.pk
    assert event.object_id == str(kapolsek_tambora.pk)


def test_the_qr_code_is_an_inline_svg_of_the_otpauth_address(piket_tambora):
    device = mfa.start_enrolment(user=piket_tambora)
    svg = mfa.qr_svg(device)
    assert svg.startswith("<svg")
    assert "<script" not in svg
    assert "Giliran" in device.config_url
    assert mfa.secret_text(device).replace(" ", "") in device.config_url


@override_settings(DEBUG=False, MFA_REQUIRED=False)
def test_the_deployment_check_warns_when_mfa_is_not_required():
    assert [w.id for w in checks.check_mfa_required(None)] == ["giliran.W701"]


@override_settings(DEBUG=False, MFA_REQUIRED=True)
def test_the_deployment_check_is_quiet_when_mfa_is_required():
    assert checks.check_mfa_required(None) == []


def test_the_command_line_resets_a_lost_phone(kapolsek_tambora, clock):
    enrol(kapolsek_tambora)
    out = StringIO()

    call_command("reset_second_factor", "kapolsek.tambora", stdout=out)

    assert "removed" in out.getvalue()
    assert not mfa.is_enrolled(kapolsek_tambora)
    assert AuditEvent.objects.filter(action=Action.MFA_RESET).count() == 1


def test_the_command_line_refuses_an_unknown_username(db):
    with pytest.raises(CommandError, match="nobody"):
        call_command("reset_second_factor", "nobody")
