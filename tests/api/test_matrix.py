"""PRODUCT.md's role table as a matrix: every role × endpoint × read/write → status.

Detail routes double as BOLA checks: an object outside the client's view is 404,
a visible object it may not change is 403.
"""

import datetime as dt

import pytest

from schedules.models import Blackout, SwapRequest
from schedules.services import requests
from tests import factories
from tests.api.conftest import ROLES, client_for

WIB = dt.timezone(dt.timedelta(hours=7))


def columns(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


ALL_READ = columns(401, *[200] * 9)

READS = {
    "commands/": ALL_READ,
    "commands/polres-jakbar/": ALL_READ,
    "precincts/tambora/": ALL_READ,
    "zones/bkb-kalianyar/": ALL_READ,
    "plans/bkb-malam/": ALL_READ,
    "plans/bkb-malam/fairness/": ALL_READ,
    "shifts/": ALL_READ,
    "shifts/departures/": ALL_READ,
    "nights/tonight/": ALL_READ,
    "nights/2024-01-22/": ALL_READ,
    "coverage/?zone=bkb-kalianyar": ALL_READ,
    "blackouts/": ALL_READ,
    "swaps/": ALL_READ,
    #            anon adm  kres ksek ptam pgam off  read pers wtam
    "officers/": columns(401, 200, 200, 200, 200, 200, 200, 403, 200, 200),
    "officers/{officer}/": columns(401, 200, 200, 200, 200, 404, 404, 403, 200, 200),
    "shifts/{shift}/": columns(401, 200, 200, 200, 200, 200, 404, 200, 200, 200),
    "blackouts/{blackout}/": ALL_READ,
    "swaps/{swap}/": columns(401, 200, 200, 200, 200, 200, 404, 200, 200, 200),
}

WRITES = {
    #                               anon adm  kres ksek ptam pgam off  read pers wtam
    "assign": columns(401, 201, 403, 403, 201, 403, 404, 403, 403, 201),
    # A write key of Tambora (a personnel system) asks too, pending a decision.
    "blackout": columns(401, 201, 201, 201, 201, 403, 403, 403, 403, 201),
    "approve_blackout": columns(401, 200, 200, 200, 403, 403, 403, 403, 403, 403),
    "swap": columns(401, 201, 201, 201, 201, 403, 400, 403, 403, 201),
    "approve_swap": columns(401, 200, 200, 200, 403, 403, 404, 403, 403, 403),
    "generate": columns(401, 200, 200, 200, 403, 403, 403, 403, 403, 200),
}


@pytest.fixture
def world(night, noon, tambora, gambir, piket_tambora):
    officer = night[0].assignments.get().officer
    blackout = requests.request_blackout(
        precinct=tambora,
        start=dt.datetime(2024, 1, 25, tzinfo=WIB),
        end=dt.datetime(2024, 1, 26, tzinfo=WIB),
        reason="Operasi Lilin",
        by=piket_tambora,
    )
    swap = requests.request_swap(shift=night[3], to_precinct=gambir, by=piket_tambora)
    return {
        "officer": officer.nrp,
        "shift": night[0].pk,
        "blackout": blackout.pk,
        "swap": swap.pk,
        "night": night,
        "tambora": tambora,
    }


def api_client(request, role):
    if role == "anonymous":
        return client_for()
    value = request.getfixturevalue(role)
    if isinstance(value, tuple):
        return client_for(secret=value[1])
    return client_for(value)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(READS))
def test_reads(request, world, role, path):
    client = api_client(request, role)

    response = client.get("/api/v1/" + path.format(**world))

    assert response.status_code == READS[path][role], response.content
    # Errors are RFC 9457 problem details (application/problem+json).
    assert response["Content-Type"].split(";")[0] in (
        "application/json",
        "application/problem+json",
    )


def do_write(client, action, world):
    if action == "assign":
        recruit = factories.OfficerFactory(precinct=world["tambora"])
        return client.post(
            f"/api/v1/shifts/{world['shift']}/assignments/",
            {"officer": recruit.nrp},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
    if action == "blackout":
        return client.post(
            "/api/v1/blackouts/",
            {
                "precinct": "tambora",
                "start": "2024-02-01T00:00:00+07:00",
                "end": "2024-02-02T00:00:00+07:00",
                "reason": "Pengamanan",
            },
            format="json",
        )
    if action == "approve_blackout":
        return client.post(f"/api/v1/blackouts/{world['blackout']}/approve/")
    if action == "swap":
        return client.post(
            "/api/v1/swaps/",
            {"shift": world["shift"], "to_precinct": "gambir"},
            format="json",
        )
    if action == "generate":
        return client.post(
            "/api/v1/plans/bkb-malam/generate/",
            {"nights": 1, "dry_run": True},
            format="json",
        )
    return client.post(f"/api/v1/swaps/{world['swap']}/approve/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(WRITES))
def test_writes(request, world, role, action):
    client = api_client(request, role)
    blackouts, swaps = Blackout.objects.count(), SwapRequest.objects.count()

    response = do_write(client, action, world)

    expected = WRITES[action][role]
    assert response.status_code == expected, response.content
    body = response.json()
    if expected >= 400:
        assert body["status"] == expected
        assert {"type", "title", "detail"} <= set(body)
        # A refused write leaves nothing behind.
        assert (Blackout.objects.count(), SwapRequest.objects.count()) == (
            blackouts,
            swaps,
        )
