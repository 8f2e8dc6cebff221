"""Sessions follow the user's second-factor rules: setting up, losing (a reset) or
turning off two-factor login ends the user's other sessions, and a session opened
while MFA_REQUIRED was off must give a code once it is on."""

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client

from audit.models import Action, AuditEvent
from security import mfa
from tests.factories import PASSWORD
from tests.security.otp import code_of, enrol

START = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)
SETUP = "/account/two-factor/setup/"
VERIFY = "/account/two-factor/code/"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def logged_out(client) -> bool:
    response = client.get("/tonight/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


def test_setting_up_two_factor_login_ends_the_users_other_sessions(
    piket_tambora, officer_tambora, clock
):
    laptop, phone = browser(piket_tambora), browser(piket_tambora)
    someone_else = browser(officer_tambora)
    assert phone.get("/tonight/").status_code == 200

    laptop.get(SETUP)
    device = mfa.totp_device(piket_tambora, confirmed=False)
    clock.shift(dt.timedelta(seconds=30))
    assert laptop.post(SETUP, {"code": code_of(device)}).status_code == 200

    assert laptop.get("/tonight/").status_code == 200
    assert logged_out(phone)
    assert someone_else.get("/tonight/").status_code == 200
    event = AuditEvent.objects.get(action=Action.MFA_ENROLLED)
    assert event.after == {"sessions_ended": 1}


def test_a_reset_ends_every_session_so_a_lost_phone_cannot_enrol_again(
    kapolsek_tambora, admin_user, mfa_required, clock
):
    device, _codes = enrol(kapolsek_tambora)
    lost_phone = Client()
    lost_phone.post("/login/", {"username": "kapolsek.tambora", "password": PASSWORD})
    clock.shift(dt.timedelta(seconds=30))
    lost_phone.post(VERIFY, {"code": code_of(device)})
    assert lost_phone.get("/tonight/").status_code == 200

    mfa.reset_second_factor(user=kapolsek_tambora, by=admin_user)

    assert logged_out(lost_phone)
    assert lost_phone.get(SETUP).status_code == 302
    assert mfa.totp_device(kapolsek_tambora, confirmed=False) is None
    assert not Session.objects.exists()


def test_turning_two_factor_login_off_ends_the_other_sessions(piket_tambora, clock):
    device, _codes = enrol(piket_tambora)
    here = Client()
    here.post("/login/", {"username": "piket.tambora", "password": PASSWORD})
    clock.shift(dt.timedelta(seconds=30))
    here.post(VERIFY, {"code": code_of(device)})
    elsewhere = browser(piket_tambora)

    clock.shift(dt.timedelta(seconds=30))
    response = here.post("/account/two-factor/remove/", {"code": code_of(device)})

    assert response.status_code == 302
    assert here.get("/tonight/").status_code == 200
    assert logged_out(elsewhere)


def test_a_session_opened_before_mfa_was_required_must_give_a_code(
    kapolsek_tambora, settings
):
    settings.MFA_REQUIRED = False
    client = browser(kapolsek_tambora)
    assert client.get("/tonight/").status_code == 200
    assert client.get("/api/v1/precincts/").status_code == 200

    settings.MFA_REQUIRED = True

    page = client.get("/tonight/")
    assert page.status_code == 302
    assert page["Location"].startswith(SETUP)
    assert client.get("/api/v1/precincts/").status_code == 403


def test_a_user_made_staff_while_logged_in_must_give_a_code(
    piket_tambora, mfa_required
):
    client = browser(piket_tambora)
    assert client.get("/tonight/").status_code == 200

    piket_tambora.is_staff = True
    piket_tambora.save(update_fields=["is_staff"])

    assert client.get("/tonight/")["Location"].startswith(SETUP)
