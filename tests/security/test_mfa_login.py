"""Two-factor login over HTTP: enrolment, the code step, replay, recovery codes,
who is forced to enrol, the admin and the API until verified, lockout, resets."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from audit.models import Action, AuditEvent, Outcome
from security import mfa
from tests.api.conftest import make_key
from tests.factories import PASSWORD
from tests.security.otp import code_of, enrol, wrong_code

START = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)
VERIFY = "/account/two-factor/code/"
SETUP = "/account/two-factor/setup/"
ACCOUNT = "/account/two-factor/"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def password_step(client, username, next_url="/tonight/"):
    return client.post(
        f"/login/?next={next_url}", {"username": username, "password": PASSWORD}
    )


def code_step(client, code, next_url="/tonight/"):
    return client.post(
        VERIFY, {"code": code, "next": next_url}, headers={"accept-language": "en"}
    )


def logged_in_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def actions(action) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- enrolment ---------------------------------------------------------------------


def test_an_officer_enrols_from_the_account_page(client, piket_tambora, clock):
    client.force_login(piket_tambora)
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    assert SETUP in page.content.decode()

    setup = client.get(SETUP)
    html = setup.content.decode()
    assert setup.status_code == 200
    assert "<svg" in html
    device = mfa.totp_device(piket_tambora, confirmed=False)
    assert mfa.secret_text(device) in html
    assert "<script>" not in html

    wrong = client.post(SETUP, {"code": wrong_code(device)})
    assert wrong.status_code == 400
    assert not mfa.is_enrolled(piket_tambora)

    clock.shift(dt.timedelta(seconds=2))
    done = client.post(SETUP, {"code": code_of(device)})

    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    assert mfa.is_enrolled(piket_tambora)
    assert actions(Action.MFA_ENROLLED) == 1
    # The session that enrolled counts as verified.
    assert client.get("/tonight/").status_code == 200
    # The codes are shown once: the account page only counts them.
    account = client.get(ACCOUNT).content.decode()
    assert not any(code in account for code in codes)


def test_an_enrolled_user_cannot_open_the_setup_again(client, piket_tambora, clock):
    enrol(piket_tambora)
    client.force_login(piket_tambora)
    response = client.get(SETUP)
    assert response.status_code == 302
    assert mfa.totp_device(piket_tambora, confirmed=False) is None


# --- the code step -----------------------------------------------------------------


def test_login_with_a_code_from_the_app(client, kapolsek_tambora, clock):
    device, _codes = enrol(kapolsek_tambora)
    clock.shift(dt.timedelta(seconds=30))

    response = password_step(client, "kapolsek.tambora")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Ftonight%2F"
    # Logged in by password, but nothing is open until the code is given.
    gated = client.get("/tonight/")
    assert gated.status_code == 302
    assert gated["Location"].startswith(VERIFY)
    session_before = client.cookies["sessionid"].value

    response = code_step(client, code_of(device))

    assert response.status_code == 302
    assert response["Location"] == "/tonight/"
    assert client.get("/tonight/").status_code == 200
    assert client.cookies["sessionid"].value != session_before
    assert actions(Action.LOGIN) == 1
    assert actions(Action.MFA_VERIFIED) == 1


def test_a_replayed_code_is_refused(client, kapolsek_tambora, clock):
    device, _codes = enrol(kapolsek_tambora)
    clock.shift(dt.timedelta(seconds=30))
    code = code_of(device)
    password_step(client, "kapolsek.tambora")
    assert code_step(client, code).status_code == 302
    client.post("/logout/")

    clock.shift(dt.timedelta(seconds=3))
    password_step(client, "kapolsek.tambora")
    replay = code_step(client, code)

    assert replay.status_code == 400
    assert "already used" in replay.content.decode()
    assert client.get("/tonight/").status_code == 302
    failed = AuditEvent.objects.get(action=Action.MFA_FAILED)
    assert failed.outcome == Outcome.FAILURE
    assert failed.object_id == str(kapolsek_tambora.pk)


def test_a_recovery_code_logs_in_once(client, kapolsek_tambora, clock):
    _device, codes = enrol(kapolsek_tambora)
    password_step(client, "kapolsek.tambora")
    response = code_step(client, codes[0])
    assert response.status_code == 302
    assert client.get("/tonight/").status_code == 200
    assert actions(Action.RECOVERY_CODE_USED) == 1
    client.post("/logout/")

    clock.shift(dt.timedelta(seconds=3))
    password_step(client, "kapolsek.tambora")
    again = code_step(client, codes[0])

    assert again.status_code == 400
    assert client.get("/tonight/").status_code == 302
    # After the device's one-second wait for a wrong code, another code works.
    clock.shift(dt.timedelta(seconds=2))
    assert code_step(client, codes[1]).status_code == 302


def test_one_recovery_code_used_at_login_leaves_nine_everywhere(
    client, kapolsek_tambora, clock
):
    _device, codes = enrol(kapolsek_tambora)
    assert len(codes) == mfa.recovery_codes_left(kapolsek_tambora) == 10
    password_step(client, "kapolsek.tambora")
    with CaptureQueriesContext(connection) as captured:
        response = code_step(client, codes[0])
    assert response.status_code == 302

    # Counted once, after the code is spent: the warning and the audit agree.
    counts = [
        q["sql"]
        for q in captured.captured_queries
        if "COUNT(" in q["sql"] and "otp_static_statictoken" in q["sql"]
    ]
    assert len(counts) == 1, counts
    page = client.get("/tonight/", headers={"accept-language": "en"})
    assert [str(m) for m in page.context["messages"]] == [
        "You used a recovery code; 9 are left. Make new ones on your two-factor "
        "login page before you run out."
    ]
    used = AuditEvent.objects.get(action=Action.RECOVERY_CODE_USED)
    assert used.after == {"left": 9}
    account = client.get(ACCOUNT, headers={"accept-language": "en"})
    assert "9 recovery codes left." in account.content.decode()

    # And nine are usable: each of the other codes works, once.
    lefts = [
        mfa.verify_code(user=kapolsek_tambora, code=code).codes_left
        for code in codes[1:]
    ]
    assert lefts == [8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert mfa.recovery_codes_left(kapolsek_tambora) == 0


def test_an_unsafe_next_address_is_ignored(client, kapolsek_tambora, clock):
    device, _codes = enrol(kapolsek_tambora)
    password_step(client, "kapolsek.tambora")
    clock.shift(dt.timedelta(seconds=30))
    response = code_step(client, code_of(device), next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_enrolled_users_are_asked_even_when_not_required(client, piket_tambora, clock):
    enrol(piket_tambora)
    response = password_step(client, "piket.tambora")
    assert response["Location"].startswith(VERIFY)
    assert client.get("/roster/").status_code == 302


def test_without_a_device_an_officer_logs_in_with_the_password_alone(
    client, piket_tambora, mfa_required
):
    response = password_step(client, "piket.tambora")
    assert response["Location"] == "/tonight/"
    assert client.get("/tonight/").status_code == 200


# --- forced enrolment ----------------------------------------------------------------


def test_a_commander_without_a_device_must_enrol_first(
    client, kapolsek_tambora, mfa_required, clock
):
    response = password_step(client, "kapolsek.tambora")
    assert response["Location"] == f"{SETUP}?next=%2Ftonight%2F"
    for path in ("/tonight/", "/requests/", ACCOUNT, "/account/password/"):
        gated = client.get(path)
        assert gated.status_code == 302, path
        assert gated["Location"].startswith(SETUP), path
    # The code step is no way round it: there is no device to give a code from.
    assert client.get(VERIFY).status_code == 302

    setup = client.get(SETUP)
    assert setup.status_code == 200
    device = mfa.totp_device(kapolsek_tambora, confirmed=False)
    client.post(SETUP, {"code": code_of(device), "next": "/requests/"})

    assert client.get("/requests/").status_code == 200


def test_an_officer_is_not_forced_to_enrol(client, officer_tambora, mfa_required):
    client.force_login(officer_tambora)
    response = client.get("/tonight/")
    assert response.status_code == 200


def test_required_but_off_in_development(client, kapolsek_tambora):
    """MFA_REQUIRED off (make run): commanders log in with the password alone."""
    response = password_step(client, "kapolsek.tambora")
    assert response["Location"] == "/tonight/"


def test_logging_out_stays_possible_before_the_code(client, kapolsek_tambora, clock):
    enrol(kapolsek_tambora)
    password_step(client, "kapolsek.tambora")
    client.post("/logout/")
    assert logged_in_id(client) is None


def test_a_session_older_than_the_check_is_asked_too(client, kapolsek_tambora, clock):
    """A session without the login-time note (made before two-factor login
    existed) is decided on its first request."""
    enrol(kapolsek_tambora)
    client.force_login(kapolsek_tambora)
    session = client.session
    del session["giliran_mfa_check"]
    session.save()
    assert client.get("/tonight/")["Location"].startswith(VERIFY)


# --- the admin site ------------------------------------------------------------------


def test_the_admin_site_is_closed_until_the_code_is_given(
    client, admin_user, mfa_required, clock
):
    device, _codes = enrol(admin_user)
    clock.shift(dt.timedelta(seconds=30))
    password_step(client, "admin", next_url="/admin/")
    for path in ("/admin/", "/admin/auth/user/", "/admin/login/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path

    code_step(client, code_of(device), next_url="/admin/")

    assert client.get("/admin/").status_code == 200


def test_an_administrator_without_a_device_is_sent_to_enrol(
    client, admin_user, mfa_required
):
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_an_administrator_resets_a_lost_phone_in_the_admin(
    client, admin_user, kapolsek_tambora, clock
):
    enrol(kapolsek_tambora)
    enrol_admin_device, _ = enrol(admin_user)
    client.force_login(admin_user)
    clock.shift(dt.timedelta(seconds=30))
    code_step(client, code_of(enrol_admin_device), next_url="/admin/")

    listing = client.get("/admin/auth/user/")
    assert listing.status_code == 200
    response = client.post(
        "/admin/auth/user/",
        {
            "action": "reset_second_factor",
            "_selected_action": [kapolsek_tambora.pk],
        },
    )

    assert response.status_code == 302
    assert not mfa.is_enrolled(kapolsek_tambora)
    event = AuditEvent.objects.get(action=Action.MFA_RESET)
    assert event.actor_id == admin_user.pk
    assert event.object_id == str(kapolsek_tambora.pk)


def test_the_device_admin_pages_of_django_otp_are_withdrawn(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404


# --- the API -------------------------------------------------------------------------


def test_the_api_refuses_a_session_that_owes_its_code(kapolsek_tambora, tambora, clock):
    device, _codes = enrol(kapolsek_tambora)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    password_step(api, "kapolsek.tambora")

    refused = api.get("/api/v1/precincts/")

    assert refused.status_code == 403
    body = refused.json()
    assert body["type"] == "permission_denied"
    assert body["status"] == 403
    assert "two-factor" in body["detail"]

    clock.shift(dt.timedelta(seconds=30))
    code_step(api, code_of(device))
    assert api.get("/api/v1/precincts/").status_code == 200


def test_the_api_refuses_a_required_role_that_has_not_enrolled(
    kapolres_jakbar, mfa_required
):
    api = APIClient()
    api.force_login(kapolres_jakbar)
    assert api.get("/api/v1/precincts/").status_code == 403


def test_api_keys_are_not_asked_for_a_code(kapolsek_tambora, tambora, clock):
    enrol(kapolsek_tambora)
    _key, secret = make_key()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/precincts/").status_code == 200

    # Even beside an unverified session cookie, the key is what counts.
    password_step(api, "kapolsek.tambora")
    assert api.get("/api/v1/precincts/").status_code == 200


# --- lockout -------------------------------------------------------------------------


def test_five_wrong_codes_lock_the_login(client, kapolsek_tambora, clock):
    device, _codes = enrol(kapolsek_tambora)
    password_step(client, "kapolsek.tambora")
    statuses = []
    for _ in range(5):
        # Past the device's own growing wait, so each try reaches the check.
        clock.shift(dt.timedelta(seconds=20))
        statuses.append(code_step(client, wrong_code(device)).status_code)

    assert statuses == [400, 400, 400, 400, 429]
    assert logged_in_id(client) is None
    # Axes keeps what was posted with each failure, but never the code itself.
    attempt = AccessAttempt.objects.get(username="kapolsek.tambora")
    assert attempt.failures_since_start == 5
    assert wrong_code(device) not in attempt.post_data
    assert actions(Action.MFA_FAILED) == 5
    assert actions(Action.LOCKOUT) == 1
    # Locked: even the right password and code get nowhere.
    clock.shift(dt.timedelta(seconds=20))
    assert password_step(client, "kapolsek.tambora").status_code == 429
    assert logged_in_id(client) is None


def test_a_locked_username_cannot_give_its_code_in_an_open_session(
    client, kapolsek_tambora, clock
):
    device, _codes = enrol(kapolsek_tambora)
    password_step(client, "kapolsek.tambora")
    # Meanwhile someone else fails the password five times for this username.
    other = client_class_for(client)
    for _ in range(5):
        other.post("/login/", {"username": "kapolsek.tambora", "password": "nope-x"})

    clock.shift(dt.timedelta(seconds=30))
    response = code_step(client, code_of(device))

    assert response.status_code == 429
    assert logged_in_id(client) is None


def client_class_for(client):
    return client.__class__()


# --- the account page ----------------------------------------------------------------


def test_new_recovery_codes_from_the_account_page(client, piket_tambora, clock):
    device, old = enrol(piket_tambora)
    password_step(client, "piket.tambora")
    clock.shift(dt.timedelta(seconds=30))
    code_step(client, code_of(device))

    response = client.post("/account/two-factor/recovery-codes/")

    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    assert actions(Action.RECOVERY_CODES_NEW) == 1


def test_turning_it_off_from_the_account_page(client, piket_tambora, clock):
    device, _codes = enrol(piket_tambora)
    password_step(client, "piket.tambora")
    clock.shift(dt.timedelta(seconds=30))
    code_step(client, code_of(device))

    refused = client.post("/account/two-factor/remove/", {"code": "12"})
    assert refused.status_code == 400
    assert mfa.is_enrolled(piket_tambora)

    clock.shift(dt.timedelta(seconds=30))
    response = client.post("/account/two-factor/remove/", {"code": code_of(device)})

    assert response.status_code == 302
    assert not mfa.is_enrolled(piket_tambora)
    assert actions(Action.MFA_REMOVED) == 1
    assert client.get("/tonight/").status_code == 200


def test_the_account_page_is_linked_from_every_page(client, piket_tambora):
    client.force_login(piket_tambora)
    assert ACCOUNT in client.get("/tonight/").content.decode()


# --- cost ----------------------------------------------------------------------------


def _queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_gate_costs_no_query_without_two_factor_and_one_with_it(
    client, piket_tambora, plan, clock
):
    """Sessions that need no code pay nothing; a verified one pays one lookup of
    its device (so a reset by an administrator takes effect at once)."""
    client.force_login(piket_tambora)
    _queries_for(client, "/tonight/")
    plain = _queries_for(client, "/tonight/")

    device, _codes = enrol(piket_tambora)
    client.post("/logout/")
    password_step(client, "piket.tambora")
    clock.shift(dt.timedelta(seconds=30))
    code_step(client, code_of(device))
    _queries_for(client, "/tonight/")

    assert _queries_for(client, "/tonight/") == plain + 1


def test_a_reset_ends_open_sessions_and_the_next_login_sets_up_again(
    client, kapolsek_tambora, admin_user, mfa_required, clock
):
    device, _codes = enrol(kapolsek_tambora)
    password_step(client, "kapolsek.tambora")
    clock.shift(dt.timedelta(seconds=30))
    code_step(client, code_of(device))
    assert client.get("/tonight/").status_code == 200

    mfa.reset_second_factor(user=kapolsek_tambora, by=admin_user)

    response = client.get("/tonight/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert password_step(client, "kapolsek.tambora")["Location"].startswith(SETUP)


def test_a_session_opened_before_enrolling_elsewhere_ends(client, piket_tambora, clock):
    client.force_login(piket_tambora)  # no code needed at this login
    enrol(piket_tambora)  # meanwhile, from another browser

    response = client.post("/account/two-factor/recovery-codes/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert actions(Action.RECOVERY_CODES_NEW) == 0


def test_a_session_that_owes_a_code_cannot_change_the_second_factor(
    client, piket_tambora, clock
):
    """Should such a session still be open (one that no enrolment ended), the
    account pages ask for the code first."""
    client.force_login(piket_tambora)  # no code needed at this login
    TOTPDevice.objects.create(user=piket_tambora, name="authenticator", confirmed=True)

    response = client.post("/account/two-factor/recovery-codes/")

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert actions(Action.RECOVERY_CODES_NEW) == 0
    # And from now on that session is held at the code step.
    assert client.get("/tonight/")["Location"].startswith(VERIFY)
