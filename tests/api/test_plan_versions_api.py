"""Plan versions through the API: propose, preview, sign, refuse (issue 14)."""

import datetime as dt

import pytest
import time_machine

from schedules.services import generation
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def generated(plan):
    with time_machine.travel(dt.datetime(2024, 1, 22, 12, 0, tzinfo=WIB), tick=False):
        generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=3)
        yield plan


def test_a_version_proposed_signed_by_all_applies(
    generated, kapolsek_tambora, kapolres_jakbar, kapolres_jakpus, read_key
):
    created = client_for(kapolsek_tambora).post(
        "/api/v1/plan-versions/",
        {"plan": generated.code, "min_officers": 3, "note": "Tiga personel"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["awaiting"] == ["gambir", "tambora", "tanjung-duren"]
    url = f"/api/v1/plan-versions/{body['id']}/"
    assert client_for(kapolres_jakbar).get(url + "preview/").status_code == 200

    jakbar = client_for(kapolres_jakbar)
    for code in ("tambora", "tanjung-duren"):
        response = jakbar.post(url + "sign/", {"precinct": code}, format="json")
        assert response.status_code == 200
    refused_for_gambir = jakbar.post(
        url + "sign/", {"precinct": "gambir"}, format="json"
    )
    assert refused_for_gambir.status_code == 403
    signed = client_for(kapolres_jakpus).post(
        url + "sign/", {"precinct": "gambir"}, format="json"
    )

    assert signed.json()["status"] == "in_force"
    generated.refresh_from_db()
    assert generated.min_officers == 3
    reader = client_for(secret=read_key[1])
    assert reader.get("/api/v1/plan-versions/").json()["count"] == 1


def test_a_refusal_needs_a_reason_and_ends_the_version(
    generated, kapolsek_tambora, kapolres_jakpus
):
    created = (
        client_for(kapolsek_tambora)
        .post(
            "/api/v1/plan-versions/",
            {"plan": generated.code, "slot_minutes": 30},
            format="json",
        )
        .json()
    )
    url = f"/api/v1/plan-versions/{created['id']}/"
    jakpus = client_for(kapolres_jakpus)
    assert (
        jakpus.post(url + "refuse/", {"precinct": "gambir"}, format="json").status_code
        == 400
    )
    refused = jakpus.post(
        url + "refuse/", {"precinct": "gambir", "reason": "Tidak"}, format="json"
    )
    again = jakpus.post(url + "sign/", {"precinct": "gambir"}, format="json")

    assert refused.json()["status"] == "refused"
    assert again.status_code == 409
    generated.refresh_from_db()
    assert generated.slot_minutes == 60
