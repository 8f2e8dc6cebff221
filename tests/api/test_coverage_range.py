"""coverage/?zone=&from=&to=: who holds a zone over a range, as on-call APIs
answer "who is on call between A and B"."""

import datetime as dt

from tests.api.conftest import client_for

URL = "/api/v1/coverage/"


def test_the_holders_of_a_zone_over_a_range_in_time_order(night, noon, admin_user):
    # 01:30 to 03:30 WIB on the seed night: slots 1, 2 and 3.
    response = client_for(admin_user).get(
        URL,
        {
            "zone": "bkb-kalianyar",
            "from": "2024-01-23T01:30:00+07:00",
            "to": "2024-01-23T03:30:00+07:00",
        },
    )

    assert response.status_code == 200, response.content
    [row] = response.json()
    assert [h["shift"] for h in row["holders"]] == [s.pk for s in night[1:4]]
    assert [h["precinct"] for h in row["holders"]] == [
        "tanjung-duren",
        "gambir",
        "tambora",
    ]
    assert row["holders"][0]["start"] == "2024-01-23T01:00:00+07:00"
    assert row["at"] == "2024-01-23T01:30:00+07:00"


def test_a_range_needs_both_ends_in_order_and_not_too_long(night, noon, admin_user):
    client = client_for(admin_user)
    start = dt.datetime(2024, 1, 23, 1, 0, tzinfo=dt.UTC)
    for query in [
        {"from": start.isoformat()},
        {"from": start.isoformat(), "to": start.isoformat()},
        {"from": start.isoformat(), "to": (start + dt.timedelta(days=40)).isoformat()},
        {"from": "2024-01-23", "to": "2024-01-24"},
    ]:
        response = client.get(URL, {"zone": "bkb-kalianyar", **query})
        assert response.status_code == 400, query


def test_without_a_range_there_are_no_holders(night, noon, admin_user):
    [row] = client_for(admin_user).get(URL, {"zone": "bkb-kalianyar"}).json()
    assert row["holders"] == []
