"""Partner precincts see when a precinct cannot serve and the category of it,
never its reason (free text that may name people, cases or operations)."""

import datetime as dt

import pytest

from api.models import Scope
from schedules.models import BlackoutCategory
from schedules.services import requests
from tests.api.conftest import client_for, make_key

WIB = dt.timezone(dt.timedelta(hours=7))
REASON = "Operasi tangkap tangan di Jl. Kalianyar, 12 personel"


@pytest.fixture
def blackout(plan, noon, piket_tambora):
    return requests.request_blackout(
        precinct=plan.members.get(code="tambora"),
        start=dt.datetime(2024, 1, 25, tzinfo=WIB),
        end=dt.datetime(2024, 1, 26, tzinfo=WIB),
        reason=REASON,
        category=BlackoutCategory.OPERATION,
        by=piket_tambora,
    )


def seen_by(client, blackout) -> dict:
    listing = client.get("/api/v1/blackouts/")
    detail = client.get(f"/api/v1/blackouts/{blackout.pk}/")
    assert listing.status_code == detail.status_code == 200
    [row] = [r for r in listing.json()["results"] if r["id"] == blackout.pk]
    assert row == detail.json()
    return row


@pytest.mark.parametrize("who", ["piket_gambir", "gambir_key"])
def test_a_partner_sees_the_dates_and_category_but_not_the_reason(
    request, blackout, gambir, who
):
    if who == "gambir_key":
        _key, secret = make_key(Scope.READ_PERSONNEL, precinct=gambir)
        client = client_for(secret=secret)
    else:
        client = client_for(request.getfixturevalue(who))

    row = seen_by(client, blackout)

    assert row["reason"] is None
    assert row["category"] == "operation"
    assert row["start"].startswith("2024-01-25")
    assert REASON not in client.get("/api/v1/blackouts/").content.decode()


@pytest.mark.parametrize(
    "who", ["piket_tambora", "kapolsek_tambora", "kapolres_jakbar", "admin_user"]
)
def test_the_precinct_and_its_commanders_read_the_reason(request, blackout, who):
    row = seen_by(client_for(request.getfixturevalue(who)), blackout)
    assert row["reason"] == REASON


def test_a_key_restricted_to_the_precinct_or_unrestricted_reads_the_reason(
    blackout, tambora
):
    for key in (make_key(precinct=tambora), make_key()):
        assert seen_by(client_for(secret=key[1]), blackout)["reason"] == REASON


def test_a_blackout_asked_through_the_api_keeps_its_category(plan, noon, piket_tambora):
    response = client_for(piket_tambora).post(
        "/api/v1/blackouts/",
        {
            "precinct": "tambora",
            "start": "2024-02-01T00:00:00+07:00",
            "end": "2024-02-02T00:00:00+07:00",
            "category": "training",
            "reason": "Latihan menembak",
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["category"] == "training"
    assert response.json()["reason"] == "Latihan menembak"


def test_the_requests_page_shows_the_category_and_no_partners_reason(
    blackout, client, piket_gambir, piket_tambora
):
    client.force_login(piket_gambir)
    assert REASON not in client.get("/requests/").content.decode()
    client.force_login(piket_tambora)
    page = client.get("/requests/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Police operation" in page
    assert REASON in page
