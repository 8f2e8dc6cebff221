"""Refused requests and exports of personnel data are in the trail too."""

import pytest

from audit.models import Action, AuditEvent, Outcome
from precincts.models import Officer
from tests.api.conftest import client_for, make_key


def test_a_refused_write_is_recorded_with_the_key_and_the_target(shift_pk):
    key, secret = make_key("read")
    response = client_for(secret=secret).post(
        f"/api/v1/shifts/{shift_pk}/assignments/",
        {"officer": "81000001"},
        format="json",
        HTTP_IF_MATCH='"1"',
        REMOTE_ADDR="198.51.100.30",
    )
    assert response.status_code == 403

    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.outcome == Outcome.DENIED
    assert event.object_label == f"POST /api/v1/shifts/{shift_pk}/assignments/"
    assert event.api_key_id == key.pk
    assert event.ip == "198.51.100.30"
    assert event.request_id == response["X-Request-ID"]


def test_a_wrong_api_key_is_recorded_by_its_prefix_only(db):
    secret = "gil_0123456789ab_not-the-real-secret"
    response = client_for(secret=secret).get("/api/v1/shifts/")
    assert response.status_code == 401

    event = AuditEvent.objects.get(action=Action.DENIED)
    assert event.outcome == Outcome.FAILURE
    assert event.after == {"credentials": "API key 0123456789ab…"}
    assert "not-the-real-secret" not in str(event.after)


def test_anonymous_requests_without_credentials_are_not_recorded(client, db):
    assert client.get("/api/v1/shifts/").status_code in (401, 403)
    assert client.get("/roster/").status_code == 302
    assert not AuditEvent.objects.filter(action=Action.DENIED).exists()


def test_an_officer_export_from_the_admin_is_recorded(client, admin_user, tambora):
    Officer.objects.create(nrp="81000009", name="Andi", rank="bripda", precinct=tambora)
    client.force_login(admin_user)
    response = client.post(
        "/admin/precincts/officer/export/",
        {"format": "0", "resource": "0", "officerresource_nrp": "on"},
        REMOTE_ADDR="198.51.100.31",
    )
    assert response.status_code == 200

    event = AuditEvent.objects.get(action=Action.EXPORT)
    assert event.after == {"model": "precincts.officer"}
    assert event.actor_label == "admin"
    assert event.ip == "198.51.100.31"


@pytest.fixture
def shift_pk(plan, tambora):
    from tests import factories

    return factories.ShiftFactory(plan=plan, precinct=tambora).pk
