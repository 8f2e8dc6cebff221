"""The history of a shift and of a report on their pages (commanders and
administrators), and the administrators' search over the whole trail."""

import contextlib
import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit import context, selectors, services
from audit.models import Action, AuditEvent, Outcome
from patrols import services as patrol_services
from patrols.models import Incident, IncidentCategory
from schedules.models import AssignmentRole, ShiftStatus
from schedules.services import roster
from tests import factories
from tests.api.conftest import client_for, make_key

NIGHT = dt.date(2024, 1, 22)
WIB = dt.timezone(dt.timedelta(hours=7))
# 21:00 WIB on the evening of the duty night.
EVENING = dt.datetime(2024, 1, 22, 21, 0, tzinfo=WIB)
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(EVENING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shift(plan, tambora):
    return factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)


@pytest.fixture
def team(tambora):
    return [
        factories.OfficerFactory(precinct=tambora, name=name)
        for name in ("Budi Santoso", "Rina Wulandari", "Agus Prasetyo")
    ]


@contextlib.contextmanager
def in_request(request_id: str, ip: str):
    """As if inside a request with this id from this address."""
    token = context.open_for_task({"request_id": request_id, "ip": ip})
    try:
        yield
    finally:
        context.close(token)


def shift_page(client, shift):
    return client.get(reverse("schedules:shift", args=[shift.pk]), headers=EN)


def text_of(entries) -> str:
    lines = []
    for e in entries:
        lines.append(f"{e.when} | {e.actor} | {e.action} | {e.subject} | {e.outcome}")
        lines.extend(f"  {c.field}: {c.before} -> {c.after}" for c in e.changes)
    return "\n".join(lines)


def edit_roster(client, shift, officers, piket):
    """A duty officer adds officers through the page, one at a time."""
    client.force_login(piket)
    for officer in officers:
        shift.refresh_from_db()
        response = client.post(
            reverse("schedules:shift", args=[shift.pk]),
            {"version": shift.version, "officers": [officer.pk]},
        )
        assert response.status_code == 302, response.content


# --- the shift page ------------------------------------------------------------------


def test_a_commander_reads_who_changed_the_roster_when_and_how(
    client, shift, team, piket_tambora, kapolsek_tambora, gambir, clock
):
    edit_roster(client, shift, team[:2], piket_tambora)
    clock.shift(dt.timedelta(minutes=5))
    shift.refresh_from_db()
    client.post(
        reverse("schedules:set_leader", args=[shift.pk]),
        {"version": shift.version, "officer": team[1].pk},
    )
    clock.shift(dt.timedelta(minutes=5))
    shift.refresh_from_db()
    client.post(
        reverse("schedules:remove_officer", args=[shift.pk]),
        {"version": shift.version, "officer": team[0].pk},
    )
    # A swap hands the shift to Gambir (no request: the system did it).
    shift.refresh_from_db()
    shift.precinct = gambir
    shift.status = ShiftStatus.CANCELLED
    shift.save()
    client.logout()
    client.force_login(kapolsek_tambora)

    response = shift_page(client, shift)

    assert response.status_code == 200
    history = text_of(response.context["history"])
    lines = history.splitlines()
    # Newest first: the system's change of the shift itself.
    assert (
        lines[0]
        == "Mon 22 → Tue 23 Jan 2024, 21:10 WIB | the system | changed |  | success"
    )
    assert "  Precinct: Polsek Tambora -> Polsek Gambir" in lines
    assert "  Status: scheduled -> cancelled" in lines
    # The removal, by the duty officer, naming the officer removed, in WIB.
    assert (
        "Mon 22 → Tue 23 Jan 2024, 21:10 WIB | piket.tambora | deleted | "
        f"Assignment: {team[0]} @ {shift.plan.code} 2024-01-23 00:00 Polsek Tambora"
        " | success"
    ) in lines
    assert "  Role: member -> leader" in lines
    assert f"  Officer:  -> {team[1].get_rank_display()} Rina Wulandari" in lines
    assert "  Assigned by:  -> piket.tambora" in history
    # Ids never appear as values.
    assert f"-> {shift.precinct_id}\n" not in history + "\n"
    html = response.content.decode()
    assert 'id="audit-history"' in html
    assert "<del>Polsek Tambora</del> → <ins>Polsek Gambir</ins>" in html
    # Read-only for a commander: no roster forms.
    assert reverse("schedules:remove_officer", args=[shift.pk]) not in html
    assert 'name="officers"' not in html


def test_a_commander_still_cannot_change_the_roster(
    client, shift, team, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)

    response = client.post(
        reverse("schedules:shift", args=[shift.pk]),
        {"version": shift.version, "officers": [team[0].pk]},
    )

    assert response.status_code == 403
    assert not shift.assignments.exists()


def test_the_history_is_in_indonesian_for_an_indonesian_reader(
    client, shift, team, piket_tambora, kapolres_jakbar
):
    edit_roster(client, shift, team[:1], piket_tambora)
    client.force_login(kapolres_jakbar)

    response = client.get(
        reverse("schedules:shift", args=[shift.pk]), headers={"Accept-Language": "id"}
    )

    entry = response.context["history"][0]
    assert entry.when.startswith("Sen 22 → Sel 23 Jan 2024, 21:00 WIB")
    assert entry.action != "created"


@pytest.mark.parametrize("who", ["piket_tambora", "admin_user"])
def test_who_edits_the_roster_sees_history_only_as_administrator(
    client, request, shift, team, piket_tambora, who
):
    edit_roster(client, shift, team[:1], piket_tambora)
    client.force_login(request.getfixturevalue(who))

    response = shift_page(client, shift)

    assert response.status_code == 200
    html = response.content.decode()
    if who == "admin_user":
        assert response.context["history"][0].actor == "piket.tambora"
        assert 'id="audit-history"' in html
    else:
        assert response.context["history"] is None
        assert 'id="audit-history"' not in html


@pytest.mark.parametrize("who", ["piket_gambir", "officer_tambora"])
def test_partner_duty_officers_and_officers_get_no_shift_page(
    client, request, shift, who
):
    client.force_login(request.getfixturevalue(who))

    assert shift_page(client, shift).status_code in (403, 404)


def test_an_api_key_is_named_as_the_actor(
    client, shift, team, kapolsek_tambora, tambora
):
    from api.models import Scope

    _key, secret = make_key(Scope.WRITE, precinct=tambora, name="CAD Jakbar")
    response = client_for(secret=secret).post(
        f"/api/v1/shifts/{shift.pk}/assignments/",
        {"officer": team[0].nrp},
        format="json",
        HTTP_IF_MATCH=f'"{shift.version}"',
    )
    assert response.status_code == 201, response.content
    client.force_login(kapolsek_tambora)

    entries = shift_page(client, shift).context["history"]

    assert entries[0].actor.startswith("API key “CAD Jakbar")
    assert entries[0].subject.startswith("Assignment: ")


def test_a_refused_change_shows_its_outcome(client, shift, kapolsek_tambora):
    with in_request("r-1", "10.0.0.9"):
        services.record(
            action=Action.DENIED, obj=shift, outcome=Outcome.DENIED, label="x"
        )
    client.force_login(kapolsek_tambora)

    response = shift_page(client, shift)

    entry = response.context["history"][0]
    assert (entry.action, entry.outcome, entry.failed) == (
        "access refused",
        "denied",
        True,
    )
    assert '<span class="badge danger">denied</span>' in response.content.decode()


def test_the_history_of_a_shift_follows_assignments_removed_and_moved(
    shift, plan, tambora, team
):
    other = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=3)
    kept = roster.assign_officer(shift=shift, officer=team[0], by=None)
    gone = roster.assign_officer(shift=shift, officer=team[1], by=None)
    roster.set_leader(shift=shift, officer=team[0], by=None)
    roster.remove_officer(shift=shift, officer=team[1], by=None)
    elsewhere = roster.assign_officer(shift=other, officer=team[2], by=None)

    events = list(selectors.shift_history(shift))

    ids = {(e.object_type, e.object_id, e.action) for e in events}
    assert ("schedules.assignment", str(kept.pk), Action.UPDATE) in ids
    assert ("schedules.assignment", str(gone.pk), Action.DELETE) in ids
    assert not [e for e in events if e.object_id == str(elsewhere.pk)]
    kept.refresh_from_db()
    assert kept.role == AssignmentRole.LEADER
    # Moved to another shift: that shift's history has all of it.
    kept.shift = other
    kept.save()
    moved = [
        e.action for e in selectors.shift_history(other) if e.object_id == str(kept.pk)
    ]
    assert moved == [Action.UPDATE, Action.UPDATE, Action.CREATE]


def _page_queries(client, shift) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert shift_page(client, shift).status_code == 200
    return len(queries)


def test_the_shift_page_runs_the_same_queries_for_2_and_40_events(
    client, shift, plan, tambora, team, kapolsek_tambora, gambir
):
    roster.assign_officer(shift=shift, officer=team[0], by=None)
    client.force_login(kapolsek_tambora)
    few = _page_queries(client, shift)
    few_events = len(selectors.shift_history(shift))

    officers = [factories.OfficerFactory(precinct=tambora) for _ in range(6)]
    for officer in officers:
        roster.assign_officer(shift=shift, officer=officer, by=None)
        roster.remove_officer(shift=shift, officer=officer, by=None)
    for precinct in [gambir, tambora] * 6:
        shift.refresh_from_db()
        shift.precinct = precinct
        shift.save()
    many = _page_queries(client, shift)

    assert len(selectors.shift_history(shift)) >= few_events + 20
    assert many == few


# --- the report page ---------------------------------------------------------------


@pytest.fixture
def report(shift, team, piket_tambora, clock):
    roster.assign_officer(shift=shift, officer=team[0], by=None)
    clock.move_to(dt.datetime(2024, 1, 23, 6, 0, tzinfo=WIB))
    return patrol_services.submit_report(
        shift=shift,
        by=piket_tambora,
        summary="Aman",
        incidents=[
            {
                "category": IncidentCategory.CROWD_DISPERSED,
                "occurred_at": dt.datetime(2024, 1, 23, 0, 30, tzinfo=WIB),
                "people_involved": 12,
            }
        ],
    )


def report_page(client, report):
    return client.get(reverse("patrols:report", args=[report.pk]), headers=EN)


def test_a_commander_reads_the_history_of_a_report_and_its_incidents(
    client, report, kapolsek_tambora
):
    incident = report.incidents.get()
    incident.people_involved = 15
    incident.save()
    client.force_login(kapolsek_tambora)

    response = report_page(client, report)

    assert response.status_code == 200
    history = text_of(response.context["audit_history"])
    assert "People involved: 12 -> 15" in history
    assert "Summary:  -> Aman" in history
    assert "Tue 23 Jan 2024, 00:30" in history
    assert 'id="audit-history"' in response.content.decode()
    # The report's history also shows on its shift's page.
    shift_history = text_of(shift_page(client, report.shift).context["history"])
    assert "Patrol report: " in shift_history


@pytest.mark.parametrize("who", ["piket_tambora", "officer_tambora"])
def test_duty_officers_and_officers_read_a_report_without_its_trail(
    client, request, report, who
):
    user = request.getfixturevalue(who)
    if who == "officer_tambora":
        factories.AssignmentFactory(shift=report.shift, officer=user.officer)
    client.force_login(user)

    response = report_page(client, report)

    assert response.status_code == 200
    assert response.context["audit_history"] is None
    assert 'id="audit-history"' not in response.content.decode()


def test_the_report_page_runs_the_same_queries_for_1_and_30_incident_changes(
    client, report, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)
    with CaptureQueriesContext(connection) as few:
        report_page(client, report)
    incident = report.incidents.get()
    for n in range(30):
        incident.people_involved = n
        incident.save()
    Incident.objects.create(
        report=report,
        category=IncidentCategory.OTHER,
        occurred_at=dt.datetime(2024, 1, 23, 1, 0, tzinfo=WIB),
        people_involved=1,
    )
    with CaptureQueriesContext(connection) as many:
        response = report_page(client, report)

    assert len(response.context["audit_history"]) >= 32
    assert len(many) == len(few)


# --- the administrators' search ------------------------------------------------------

CHANGELIST = "/admin/audit/auditevent/"


@pytest.fixture
def trail(db):
    def event(action, label, ip, request_id, outcome=Outcome.SUCCESS):
        with in_request(request_id, ip):
            return services.record(action=action, label=label, outcome=outcome)

    return {
        "login": event(Action.LOGIN, "piket.tambora", "10.1.1.1", "req-login"),
        "failed": event(
            Action.LOGIN_FAILED, "kapolsek.x", "10.2.2.2", "req-fail", outcome="failure"
        ),
        "export": event(Action.EXPORT, "officers", "10.3.3.3", "req-export"),
    }


def listed(client, **params) -> list:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_administrators_search_by_object_ip_and_request_id(client, admin_user, trail):
    client.force_login(admin_user)

    assert listed(client, q="kapolsek.x") == [trail["failed"]]
    assert listed(client, q="10.3.3.3") == [trail["export"]]
    assert listed(client, q="req-login") == [trail["login"]]
    # Exact matches only for addresses and request ids.
    assert listed(client, q="10.3.3") == []


def test_administrators_search_by_actor(
    client, admin_user, piket_tambora, piket_gambir, shift
):
    theirs = services.record(action=Action.UPDATE, obj=shift, actor=piket_tambora)
    other = services.record(action=Action.UPDATE, obj=shift, actor=piket_gambir)
    client.force_login(admin_user)

    found = listed(client, q="piket.tambora")

    assert theirs in found
    assert other not in found


def test_administrators_filter_by_action_outcome_and_date(
    client, admin_user, trail, clock
):
    clock.move_to(dt.datetime(2024, 3, 1, 9, 0, tzinfo=WIB))
    later = services.record(action=Action.LOGOUT, label="piket.tambora")
    clock.move_to(EVENING)
    client.force_login(admin_user)

    assert listed(client, action="export") == [trail["export"]]
    assert listed(client, outcome="failure") == [trail["failed"]]
    assert listed(
        client, at__gte="2024-02-01 00:00:00+00:00", at__lt="2024-04-01 00:00:00+00:00"
    ) == [later]


def test_the_trail_is_shown_100_events_a_page(client, admin_user, db):
    for n in range(101):
        services.record(action=Action.LOGIN_FAILED, label=f"guess-{n}")
    client.force_login(admin_user)
    total = AuditEvent.objects.count()

    first = client.get(CHANGELIST)
    second = client.get(CHANGELIST, {"p": 2})

    assert total > 100
    assert len(first.context["cl"].result_list) == 100
    assert len(second.context["cl"].result_list) == total - 100


def test_only_administrators_read_the_trail_in_admin(client, kapolres_jakbar, trail):
    client.force_login(kapolres_jakbar)

    response = client.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
