"""Login lockout: five failures lock a username for 30 minutes, one address cannot
lock many accounts, an administrator can unlock sooner, and all of it is audited."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt

from audit.models import Action, AuditEvent, Outcome
from precincts.models import Role
from tests import factories
from tests.factories import PASSWORD

START = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)
ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.20"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def login(client, username, password="wrong-password-1", ip=OFFICE):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail(client, username, times, ip=OFFICE):
    return [login(client, username, ip=ip).status_code for _ in range(times)]


def test_four_failures_leave_the_account_open(client, piket_tambora, clock):
    assert fail(client, "piket.tambora", 4) == [200] * 4
    response = login(client, "piket.tambora", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(piket_tambora.pk)


def test_the_fifth_failure_locks_and_the_right_password_is_then_refused(
    client, piket_tambora, clock
):
    assert fail(client, "piket.tambora", 5) == [200, 200, 200, 200, 429]

    response = login(client, "piket.tambora", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "30" in response.content.decode()


def test_the_lock_lifts_after_30_minutes(client, piket_tambora, clock):
    fail(client, "piket.tambora", 5)
    clock.shift(dt.timedelta(minutes=29))
    assert login(client, "piket.tambora", PASSWORD).status_code == 429

    clock.shift(dt.timedelta(minutes=1, seconds=1))
    assert login(client, "piket.tambora", PASSWORD).status_code == 302


def test_attempts_while_locked_do_not_extend_the_lock(client, piket_tambora, clock):
    fail(client, "piket.tambora", 5)
    for _ in range(6):
        clock.shift(dt.timedelta(minutes=5))
        assert login(client, "piket.tambora").status_code == 429
    clock.shift(dt.timedelta(minutes=1))
    assert login(client, "piket.tambora", PASSWORD).status_code == 302


def test_a_lock_on_one_username_leaves_colleagues_at_the_same_office_alone(
    client, piket_tambora, kapolsek_tambora, clock
):
    fail(client, "piket.tambora", 5)
    assert login(client, "kapolsek.tambora", PASSWORD).status_code == 302


def test_a_locked_username_is_locked_from_every_address(client, piket_tambora, clock):
    fail(client, "piket.tambora", 5, ip=ATTACKER)
    assert login(client, "piket.tambora", PASSWORD, ip=OFFICE).status_code == 429


def test_one_address_cannot_lock_many_accounts(client, tambora, clock):
    victims = [
        factories.make_staff(f"victim{n}", Role.OFFICER, precinct=tambora)
        for n in range(5)
    ]
    for victim in victims:
        fail(client, victim.username, 5, ip=ATTACKER)

    locked = [
        victim.username
        for victim in victims
        if login(client, victim.username, PASSWORD, ip=OFFICE).status_code == 429
    ]
    client.logout()

    # LOGIN_IP_FAILURE_LIMIT (10) stops the address after two accounts' worth.
    assert locked == ["victim0", "victim1"]
    assert login(client, "victim4", PASSWORD, ip=ATTACKER).status_code == 429


def test_guessing_across_usernames_locks_the_address_not_the_accounts(
    client, tambora, clock
):
    users = [
        factories.make_staff(f"spray{n}", Role.OFFICER, precinct=tambora)
        for n in range(12)
    ]
    statuses = [fail(client, user.username, 1, ip=ATTACKER)[0] for user in users]

    assert statuses == [200] * 9 + [429] * 3
    assert login(client, "spray0", PASSWORD, ip=OFFICE).status_code == 302


def test_an_administrator_unlocks_sooner_from_the_admin(
    client, admin_user, piket_tambora, clock
):
    fail(client, "piket.tambora", 5, ip=ATTACKER)
    admin = factories.UserFactory(username="admin2", is_staff=True, is_superuser=True)
    client.force_login(admin)
    attempts = AccessAttempt.objects.filter(username="piket.tambora")
    response = client.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "_selected_action": [a.pk for a in attempts],
            "post": "yes",
        },
        REMOTE_ADDR=OFFICE,
    )
    assert response.status_code == 302
    client.logout()

    assert login(client, "piket.tambora", PASSWORD).status_code == 302
    unlock = AuditEvent.objects.get(action=Action.UNLOCK)
    assert unlock.actor_label == "admin2"
    assert unlock.object_label == "piket.tambora"
    assert unlock.before["failures"] == 5


def test_failures_the_lock_and_refusals_are_in_the_audit_trail(
    client, piket_tambora, clock
):
    fail(client, "piket.tambora", 5, ip=ATTACKER)
    login(client, "piket.tambora", PASSWORD, ip=ATTACKER)

    failures = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).order_by("id")
    assert [e.outcome for e in failures] == [Outcome.FAILURE] * 5 + [Outcome.DENIED]
    assert {e.ip for e in failures} == {ATTACKER}
    assert {e.object_id for e in failures} == {str(piket_tambora.pk)}
    assert all(e.request_id for e in failures)
    lock = AuditEvent.objects.get(action=Action.LOCKOUT)
    assert lock.object_label == "piket.tambora"
    assert lock.outcome == Outcome.DENIED
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


def test_an_unknown_username_is_audited_by_name(client, db, clock):
    login(client, "no.such.user", ip=ATTACKER)
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.object_label == "no.such.user"
    assert event.object_id == ""


def test_expired_failures_are_forgotten_without_an_unlock_event(
    client, piket_tambora, clock
):
    fail(client, "piket.tambora", 3)
    clock.shift(dt.timedelta(minutes=31))
    assert fail(client, "piket.tambora", 4) == [200] * 4
    assert not AuditEvent.objects.filter(action=Action.UNLOCK).exists()


def test_the_admin_login_is_locked_the_same_way(client, admin_user, clock):
    statuses = [
        client.post(
            "/admin/login/",
            {"username": "admin", "password": "wrong-password-1"},
            REMOTE_ADDR=ATTACKER,
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    refused = client.post(
        "/admin/login/",
        {"username": "admin", "password": PASSWORD},
        REMOTE_ADDR=OFFICE,
    )
    assert refused.status_code == 429
