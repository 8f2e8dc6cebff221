"""shifts/{id}/assignments/: who may write, If-Match (428, 412), rules as 400s,
an officer already on an overlapping shift as 409."""

import pytest

from schedules.models import Shift
from tests import factories
from tests.api.conftest import client_for, make_key


def url(shift, nrp=None):
    base = f"/api/v1/shifts/{shift.pk}/assignments/"
    return f"{base}{nrp}/" if nrp else base


@pytest.fixture
def recruit(tambora):
    return factories.OfficerFactory(precinct=tambora, name="Budi Santoso")


def test_the_duty_officer_adds_an_officer_and_gets_the_new_version(
    night, noon, piket_tambora, recruit
):
    response = client_for(piket_tambora).post(
        url(night[0]), {"officer": recruit.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 2
    assert response["ETag"] == '"2"'
    assert recruit.nrp in [a["officer"]["nrp"] for a in body["assignments"]]
    assert night[0].assignments.get(officer=recruit).assigned_by == piket_tambora


def test_without_if_match_the_write_is_428(night, noon, piket_tambora, recruit):
    response = client_for(piket_tambora).post(
        url(night[0]), {"officer": recruit.nrp}, format="json"
    )

    assert response.status_code == 428
    assert response.json()["type"] == "precondition_required"
    assert not night[0].assignments.filter(officer=recruit).exists()


def test_a_stale_if_match_is_412_and_nothing_is_lost(
    night, noon, piket_tambora, recruit
):
    client = client_for(piket_tambora)
    first = night[0].assignments.get().officer_id
    other = factories.OfficerFactory(precinct=night[0].precinct)
    client.post(
        url(night[0]), {"officer": other.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    response = client.post(
        url(night[0]), {"officer": recruit.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    assert "version 2, not 1" in response.json()["detail"]
    assert set(night[0].assignments.values_list("officer", flat=True)) == {
        first,
        other.pk,
    }


def roster_writes(shift, nrp):
    """Every roster write: (method, path, body)."""
    return [
        ("post", url(shift), {"officer": nrp}),
        ("patch", url(shift, nrp), {"role": "leader"}),
        ("delete", url(shift, nrp), None),
        ("post", f"{url(shift)}copy-previous/", None),
    ]


@pytest.mark.parametrize("write", range(4), ids=["add", "lead", "remove", "copy"])
@pytest.mark.parametrize(
    ("if_match", "code"), [(None, 428), ('"1"', 412)], ids=["missing", "stale"]
)
def test_every_roster_write_needs_the_current_version(
    night, noon, piket_tambora, recruit, write, if_match, code
):
    shift = night[0]
    Shift.objects.filter(pk=shift.pk).update(version=2)
    method, path, body = roster_writes(shift, recruit.nrp)[write]
    headers = {"HTTP_IF_MATCH": if_match} if if_match else {}

    response = getattr(client_for(piket_tambora), method)(
        path, body, format="json", **headers
    )

    assert response.status_code == code
    shift.refresh_from_db()
    assert shift.version == 2
    assert list(shift.assignments.values_list("officer", flat=True)) == [
        night[0].assignments.get().officer_id
    ]


def test_a_garbled_if_match_is_412(night, noon, piket_tambora, recruit):
    response = client_for(piket_tambora).post(
        url(night[0]),
        {"officer": recruit.nrp},
        format="json",
        HTTP_IF_MATCH="yesterday",
    )

    assert response.status_code == 412


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "officer"),
        ({"officer": "123"}, "officer"),
        ({"officer": ["80000000"]}, "officer"),
        ({"officer": "99999999"}, "officer"),
        ({"officer": "OFFICER", "role": "boss"}, "role"),
    ],
)
def test_bad_bodies_are_400_with_the_field(night, noon, piket_tambora, payload, field):
    response = client_for(piket_tambora).post(
        url(night[0]), payload, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_broken_rule_is_400_with_the_services_message(
    night, noon, piket_tambora, tambora
):
    shift = night[0]
    for _ in range(shift.plan.min_officers - 1):
        factories.AssignmentFactory(shift=shift)
    extra = factories.OfficerFactory(precinct=tambora)

    response = client_for(piket_tambora).post(
        url(shift), {"officer": extra.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 400
    assert "needs 4 officers" in response.json()["errors"]["officer"][0]


def test_an_officer_on_an_overlapping_shift_is_409_naming_that_shift(
    night, noon, piket_tambora, tambora, recruit
):
    elsewhere = factories.ShiftFactory(
        plan=factories.RotationPlanFactory(
            name="Patroli Jembatan Besi", members=[tambora]
        ),
        precinct=tambora,
        night=night[0].night,
        slot=0,
    )
    factories.AssignmentFactory(shift=elsewhere, officer=recruit)

    response = client_for(piket_tambora).post(
        url(night[0]), {"officer": recruit.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 409
    body = response.json()
    assert (body["type"], body["title"]) == ("conflict", "Conflict.")
    [message] = body["errors"]["officer"]
    assert "Budi Santoso" in message
    assert (
        "already on an overlapping shift (Patroli Jembatan Besi, "
        "Mon 22 → Tue 23 Jan 2024, 00:00–01:00 WIB)"
    ) in message
    assert message in body["detail"]
    assert Shift.objects.get(pk=night[0].pk).version == 1


def test_an_officer_of_another_precinct_is_not_even_found(
    night, noon, piket_tambora, gambir
):
    stranger = factories.OfficerFactory(precinct=gambir)

    response = client_for(piket_tambora).post(
        url(night[0]), {"officer": stranger.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 400
    assert "has no officer with NRP" in response.json()["errors"]["officer"][0]


def test_json_that_is_not_json_is_400(night, noon, piket_tambora):
    response = client_for(piket_tambora).post(
        url(night[0]), "{nope", content_type="application/json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


def test_a_form_body_is_415(night, noon, piket_tambora, recruit):
    response = client_for(piket_tambora).post(
        url(night[0]), {"officer": recruit.nrp}, HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 415
    assert response.json()["type"] == "unsupported_media_type"


def test_a_partner_precincts_duty_officer_gets_403_on_a_visible_shift(
    night, noon, piket_gambir, recruit
):
    response = client_for(piket_gambir).post(
        url(night[0]), {"officer": recruit.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 403


def test_a_shift_outside_the_clients_plans_is_404_before_anything_else(night, noon, db):
    outsider = factories.make_staff(
        "piket.menteng", "duty_officer", precinct=factories.PrecinctFactory()
    )

    response = client_for(outsider).post(url(night[0]), {}, format="json")

    assert response.status_code == 404


def test_a_write_key_of_the_precinct_edits_and_a_read_key_may_not(
    night, noon, tambora, recruit, read_key
):
    _key, secret = make_key("write", precinct=tambora)
    response = client_for(secret=secret).post(
        url(night[0]), {"officer": recruit.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 201
    assert night[0].assignments.get(officer=recruit).assigned_by is None

    refused = client_for(secret=read_key[1]).delete(
        url(night[0], recruit.nrp), HTTP_IF_MATCH='"2"'
    )
    assert refused.status_code == 403


def test_a_write_key_of_tambora_cannot_edit_a_gambir_shift(
    night, noon, tambora, gambir
):
    _key, secret = make_key("write", precinct=tambora)
    officer = factories.OfficerFactory(precinct=gambir)

    response = client_for(secret=secret).post(
        url(night[2]), {"officer": officer.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 403


def test_delete_and_patch_change_the_roster(night, noon, piket_tambora, recruit):
    client = client_for(piket_tambora)
    client.post(
        url(night[0]), {"officer": recruit.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    promoted = client.patch(
        url(night[0], recruit.nrp),
        {"role": "leader"},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    removed = client.delete(url(night[0], recruit.nrp), HTTP_IF_MATCH='"3"')

    assert promoted.status_code == 200
    assert promoted.json()["assignments"][0] == {
        "role": "leader",
        "officer": {"nrp": recruit.nrp, "name": "Budi Santoso", "rank": "briptu"},
    }
    assert removed.status_code == 200
    assert removed.json()["version"] == 4
    assert not night[0].assignments.filter(officer=recruit).exists()


def test_removing_someone_not_on_the_shift_is_400(night, noon, piket_tambora, recruit):
    response = client_for(piket_tambora).delete(
        url(night[0], recruit.nrp), HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 400
    assert Shift.objects.get(pk=night[0].pk).version == 1


def test_copy_previous_brings_the_last_team(night, noon, piket_tambora, tambora, plan):
    later = factories.ShiftFactory(
        plan=plan, precinct=tambora, night=night[0].night.replace(day=23), slot=0
    )

    response = client_for(piket_tambora).post(
        f"/api/v1/shifts/{later.pk}/assignments/copy-previous/", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 200
    assert response.json()["officer_count"] == 1
    assert later.assignments.get().officer == night[3].assignments.get().officer


def test_an_ended_shift_is_400(night, piket_tambora, recruit):
    # No time travel: today is long after January 2024.
    response = client_for(piket_tambora).post(
        url(night[0]), {"officer": recruit.nrp}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 400
    assert "has ended" in response.json()["detail"]
