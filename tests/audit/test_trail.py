"""The audit trail: who changed what, from where, in which request; logins and
logouts; one summary per generation; the history of one object."""

import datetime as dt
from decimal import Decimal

import pytest

from audit import selectors, services
from audit.models import Action, AuditEvent, Outcome
from patrols.models import Incident, IncidentCategory, PatrolReport
from precincts.models import Role
from schedules.models import Assignment, Blackout, Reason, Shift
from schedules.services import roster
from tests import factories
from tests.api.conftest import NOON, client_for, make_key
from tests.factories import PASSWORD

NIGHT = dt.date(2024, 1, 22)


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


@pytest.fixture
def shift(plan, tambora):
    return factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)


@pytest.fixture
def recruit(tambora):
    return factories.OfficerFactory(precinct=tambora, name="Budi Santoso")


def test_a_blackout_is_recorded_when_created_changed_and_deleted(tambora):
    start = dt.datetime(2024, 2, 1, 17, tzinfo=dt.UTC)
    blackout = Blackout.objects.create(
        precinct=tambora, start=start, end=start + dt.timedelta(hours=8), reason="HUT"
    )
    blackout.reason = "HUT Bhayangkara"
    blackout.save()
    pk = blackout.pk
    blackout.delete()

    created, changed, deleted = events(object_type="schedules.blackout")
    assert [created.action, changed.action, deleted.action] == [
        Action.CREATE,
        Action.UPDATE,
        Action.DELETE,
    ]
    assert {e.object_id for e in (created, changed, deleted)} == {str(pk)}
    assert created.after["reason"] == "HUT"
    assert created.after["start"] == "2024-02-01T17:00:00Z"
    assert changed.before == {"reason": "HUT"}
    assert changed.after == {"reason": "HUT Bhayangkara"}
    assert deleted.before["precinct_id"] == tambora.pk
    # No request: nobody to name.
    assert changed.actor_id is None
    assert changed.ip is None


def test_a_save_that_changes_nothing_of_substance_is_not_recorded(shift):
    before = AuditEvent.objects.count()
    shift.version += 1  # the roster's optimistic lock, not a change of the shift
    shift.save()
    shift.save()
    assert AuditEvent.objects.count() == before


def test_a_roster_write_through_the_api_names_person_address_and_request(
    shift, recruit, piket_tambora, time_machine
):
    time_machine.move_to(NOON, tick=False)
    response = client_for(piket_tambora).post(
        f"/api/v1/shifts/{shift.pk}/assignments/",
        {"officer": recruit.nrp},
        format="json",
        HTTP_IF_MATCH='"1"',
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 201

    (event,) = events(object_type="schedules.assignment")
    assignment = Assignment.objects.get(shift=shift, officer=recruit)
    assert event.action == Action.CREATE
    assert event.object_id == str(assignment.pk)
    assert event.actor_id == piket_tambora.pk
    assert event.actor_label == "piket.tambora"
    assert event.ip == "198.51.100.7"
    assert event.request_id == response["X-Request-ID"]
    assert event.after["officer_id"] == recruit.pk
    assert event.at == NOON


def test_a_write_with_an_api_key_names_the_key(shift, recruit, time_machine):
    time_machine.move_to(NOON, tick=False)
    key, secret = make_key("write", precinct=shift.precinct)
    response = client_for(secret=secret).post(
        f"/api/v1/shifts/{shift.pk}/assignments/",
        {"officer": recruit.nrp},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 201

    (event,) = events(object_type="schedules.assignment")
    assert event.api_key_id == key.pk
    assert event.actor_id is None
    assert key.prefix in event.actor_label


def test_taking_an_officer_off_a_shift_is_recorded_with_who_it_was(
    shift, recruit, piket_tambora, time_machine
):
    time_machine.move_to(NOON, tick=False)
    assignment = factories.AssignmentFactory(shift=shift, officer=recruit)
    client = client_for(piket_tambora)
    response = client.post(
        f"/roster/{shift.pk}/remove/",
        {"officer": recruit.pk, "version": shift.version},
    )
    assert response.status_code == 302

    (event,) = events(object_type="schedules.assignment", action=Action.DELETE)
    assert event.object_id == str(assignment.pk)
    assert event.before["officer_id"] == recruit.pk
    assert event.actor_label == "piket.tambora"


def test_a_new_leader_records_the_previous_leaders_change_of_role(
    shift, recruit, tambora, piket_tambora, time_machine
):
    time_machine.move_to(NOON, tick=False)
    old = factories.AssignmentFactory(
        shift=shift, officer=factories.OfficerFactory(precinct=tambora), role="leader"
    )
    factories.AssignmentFactory(shift=shift, officer=recruit)

    roster.set_leader(shift=shift, officer=recruit, by=piket_tambora)

    (event,) = events(
        object_type="schedules.assignment",
        object_id=str(old.pk),
        action=Action.UPDATE,
    )
    assert (event.before["role"], event.after["role"]) == ("leader", "member")


def test_logins_and_logouts_are_recorded(client, piket_tambora):
    client.post(
        "/login/",
        {"username": "piket.tambora", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.8",
    )
    client.post("/logout/", REMOTE_ADDR="198.51.100.8")

    login, logout = events(action__in=[Action.LOGIN, Action.LOGOUT])
    assert (login.action, logout.action) == (Action.LOGIN, Action.LOGOUT)
    for event in (login, logout):
        assert event.actor_id == piket_tambora.pk
        assert event.object_id == str(piket_tambora.pk)
        assert event.ip == "198.51.100.8"
        assert event.outcome == Outcome.SUCCESS


def test_officers_and_staff_roles_are_recorded(tambora, recruit):
    recruit.phone = "+628129999999"
    recruit.save()
    user = factories.make_staff("new.piket", Role.OFFICER, precinct=tambora)
    profile = user.staff_profile
    profile.role = Role.DUTY_OFFICER
    profile.save()

    (phone,) = events(object_type="precincts.officer", action=Action.UPDATE)
    assert phone.after == {"phone": "+628129999999"}
    (role,) = events(object_type="precincts.staffprofile", action=Action.UPDATE)
    assert role.before == {"role": "officer"}
    assert role.after == {"role": "duty_officer"}


def test_passwords_and_login_times_never_reach_the_trail(piket_tambora):
    piket_tambora.set_password("kanal-barat-malam-2024")
    piket_tambora.save()
    assert not events(object_type="auth.user", action=Action.UPDATE)

    piket_tambora.is_active = False
    piket_tambora.save()
    (event,) = events(object_type="auth.user", action=Action.UPDATE)
    assert event.after == {"is_active": False}
    created = events(object_type="auth.user", action=Action.CREATE)[0]
    assert "password" not in created.after


def test_reports_and_incidents_are_recorded(shift):
    report = PatrolReport.objects.create(
        shift=shift,
        started_at=shift.start,
        ended_at=shift.end,
        summary="Aman.",
    )
    incident = Incident.objects.create(
        report=report,
        category=IncidentCategory.values[0],
        occurred_at=shift.start + dt.timedelta(minutes=20),
        people_involved=12,
        latitude=Decimal("-6.1452000"),
        longitude=Decimal("106.8071000"),
    )
    report.summary = "Satu tawuran dicegah."
    report.save()

    assert [e.action for e in events(object_type="patrols.patrolreport")] == [
        Action.CREATE,
        Action.UPDATE,
    ]
    (created,) = events(object_type="patrols.incident")
    assert created.object_id == str(incident.pk)
    assert created.after["people_involved"] == 12
    assert created.after["latitude"] == "-6.1452000"


def test_a_generation_run_is_one_summary_event(plan, admin_user):
    event = services.record_generation(
        plan=plan,
        summary={"until": dt.date(2024, 2, 18), "created": 140, "changed": 2},
        actor=admin_user,
    )
    event.refresh_from_db()
    assert event.action == Action.GENERATE
    assert event.object_type == "schedules.rotationplan"
    assert event.after == {"until": "2024-02-18", "created": 140, "changed": 2}
    assert event.actor_label == "admin"


def test_the_history_of_a_shift_is_its_own_events_newest_first(shift, gambir):
    other = factories.ShiftFactory(plan=shift.plan, precinct=gambir, slot=1)
    shift.precinct = gambir
    shift.reason = Reason.MANUAL
    shift.save()
    shift.locked = True
    shift.save()
    other.locked = True
    other.save()

    history = list(selectors.history_for(shift))

    assert [e.action for e in history] == [Action.UPDATE, Action.UPDATE, Action.CREATE]
    assert history[0].after == {"locked": True}
    assert history[1].before["reason"] == Reason.ROTATION
    assert {e.object_id for e in history} == {str(shift.pk)}


def test_the_history_is_read_in_one_query(shift, django_assert_num_queries):
    for hour in range(5):
        shift.reason_note = f"note {hour}"
        shift.save()
    with django_assert_num_queries(1):
        assert len(list(selectors.history_for(shift))) == 6


def test_events_outlive_the_user_they_name(client, piket_tambora):
    services.record(action=Action.LOGIN, obj=piket_tambora, actor=piket_tambora)
    pk = piket_tambora.pk
    piket_tambora.delete()
    event = AuditEvent.objects.filter(action=Action.LOGIN).get()
    assert event.actor_id == pk
    assert event.actor_label == "piket.tambora"


def test_deleting_a_shift_records_its_last_state(shift):
    pk = shift.pk
    Shift.objects.filter(pk=pk).get().delete()
    (event,) = events(object_type="schedules.shift", action=Action.DELETE)
    assert event.object_id == str(pk)
    assert event.before["slot"] == 0


def test_a_version_bump_alone_costs_no_extra_query(shift, django_assert_num_queries):
    shift.version += 1
    with django_assert_num_queries(1):
        shift.save(update_fields=["version", "updated_at"])


def test_a_decision_saved_field_by_field_is_recorded(tambora, kapolsek_tambora):
    start = dt.datetime(2024, 2, 1, 17, tzinfo=dt.UTC)
    blackout = Blackout.objects.create(
        precinct=tambora, start=start, end=start + dt.timedelta(hours=8), reason="HUT"
    )
    blackout.status = "approved"
    blackout.decided_by = kapolsek_tambora
    blackout.save(update_fields=["status", "decided_by"])

    (event,) = events(object_type="schedules.blackout", action=Action.UPDATE)
    assert event.before == {"status": "pending", "decided_by_id": None}
    assert event.after == {"status": "approved", "decided_by_id": kapolsek_tambora.pk}
