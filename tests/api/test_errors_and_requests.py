"""One error shape everywhere, and blackouts/swaps through the API."""

import pytest

from api import views
from schedules.models import Blackout, RequestStatus, Shift, SwapRequest
from tests import factories
from tests.api.conftest import client_for


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("get", "/api/v1/nowhere/", 404, "not_found"),
        ("get", "/api/v2/shifts/", 404, "not_found"),
        ("get", "/api/v1/shifts/abc/", 404, "not_found"),
        ("get", "/api/v1/plans/no-such-plan/", 404, "not_found"),
        ("get", "/api/v1/officers/1234/", 404, "not_found"),
        ("delete", "/api/v1/plans/bkb-malam/", 405, "method_not_allowed"),
        ("put", "/api/v1/shifts/1/", 405, "method_not_allowed"),
        ("get", "/api/v1/shifts/?format=xml", 404, "not_found"),
    ],
)
def test_errors_are_json_in_one_shape(plan, admin_user, method, path, status, kind):
    response = getattr(client_for(admin_user), method)(path)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["type"] == kind
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]


def test_an_unexpected_failure_is_a_json_500(plan, admin_user, monkeypatch):
    def explode(self):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(views.PlanViewSet, "get_queryset", explode)

    response = client_for(admin_user).get("/api/v1/plans/")

    assert response.status_code == 500
    assert response.json()["type"] == "server_error"
    assert "fire" not in response.json()["detail"]


def test_a_blackout_with_bad_times_is_400_with_fields(noon, plan, piket_tambora):
    response = client_for(piket_tambora).post(
        "/api/v1/blackouts/",
        {
            "precinct": "tambora",
            "start": "2024-02-02T00:00:00+07:00",
            "end": "2024-02-01T00:00:00+07:00",
            "reason": "x",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"end": ["The end must come after the start."]}
    assert not Blackout.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"precinct": "tambora", "start": "31/12/2024", "end": 5, "reason": ""},
        {
            "precinct": "nowhere",
            "start": "2024-02-01T00:00:00Z",
            "end": "2024-02-02T00:00:00Z",
            "reason": "x",
        },
        ["not", "an", "object"],
    ],
)
def test_malformed_blackouts_are_400(plan, piket_tambora, payload):
    response = client_for(piket_tambora).post(
        "/api/v1/blackouts/", payload, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_commander_rejects_a_blackout_with_a_note(
    noon, plan, piket_tambora, kapolsek_tambora
):
    created = (
        client_for(piket_tambora)
        .post(
            "/api/v1/blackouts/",
            {
                "precinct": "tambora",
                "start": "2024-02-01T00:00:00+07:00",
                "end": "2024-02-02T00:00:00+07:00",
                "reason": "Operasi",
            },
            format="json",
        )
        .json()
    )
    assert created["status"] == "pending"

    response = client_for(kapolsek_tambora).post(
        f"/api/v1/blackouts/{created['id']}/reject/", {"note": "Tidak"}, format="json"
    )
    again = client_for(kapolsek_tambora).post(
        f"/api/v1/blackouts/{created['id']}/approve/"
    )

    assert response.json()["status"] == "rejected"
    assert again.status_code == 409  # decided meanwhile: a conflict


def test_a_trade_through_the_api_moves_both_shifts(
    night, noon, piket_tambora, kapolsek_tambora, piket_gambir
):
    created = client_for(piket_tambora).post(
        "/api/v1/swaps/",
        {"shift": night[0].pk, "to_precinct": "gambir", "counter_shift": night[2].pk},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["kind"] == "trade"

    approved = client_for(kapolsek_tambora).post(
        f"/api/v1/swaps/{created.json()['id']}/approve/"
    )
    assert approved.json()["status"] == "pending"  # until Gambir accepts
    accepted = client_for(piket_gambir).post(
        f"/api/v1/swaps/{created.json()['id']}/accept/",
        {"note": "Siap"},
        format="json",
    )

    assert accepted.json()["status"] == "approved"
    assert accepted.json()["acceptance_note"] == "Siap"
    assert Shift.objects.get(pk=night[0].pk).precinct.code == "gambir"
    assert Shift.objects.get(pk=night[2].pk).precinct.code == "tambora"


def test_a_swap_naming_an_unseen_shift_is_400_not_a_leak(night, noon, db):
    outsider = factories.make_staff(
        "piket.menteng", "duty_officer", precinct=factories.PrecinctFactory()
    )

    response = client_for(outsider).post(
        "/api/v1/swaps/", {"shift": night[0].pk, "to_precinct": "gambir"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"shift": ["No such shift."]}


def test_the_asking_precinct_withdraws_its_swap(night, noon, piket_tambora):
    client = client_for(piket_tambora)
    swap = client.post(
        "/api/v1/swaps/", {"shift": night[0].pk, "to_precinct": "gambir"}, format="json"
    ).json()

    response = client.post(f"/api/v1/swaps/{swap['id']}/withdraw/")
    listed = client.get("/api/v1/swaps/?status=withdrawn").json()["results"]

    assert response.json()["status"] == RequestStatus.WITHDRAWN
    assert [s["id"] for s in listed] == [swap["id"]]
    assert SwapRequest.objects.get().status == "withdrawn"
