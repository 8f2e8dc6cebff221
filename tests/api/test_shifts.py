"""shifts/: what each client sees, filters, the sync contract, ETags, query counts."""

import datetime as dt

import pytest
import time_machine

from api import serializers as api_serializers
from schedules.models import Shift, ShiftStatus
from tests import factories
from tests.api.conftest import NIGHT, client_for, make_key

URL = "/api/v1/shifts/"


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_a_shift_is_shown_in_the_plans_time_zone(night, admin_user):
    row = client_for(admin_user).get(f"{URL}{night[0].pk}/").json()

    assert row["start"] == "2024-01-23T00:00:00+07:00"
    assert row["end"] == "2024-01-23T01:00:00+07:00"
    assert (row["night"], row["slot"], row["plan"], row["zone"]) == (
        "2024-01-22",
        0,
        "bkb-malam",
        "bkb-kalianyar",
    )
    assert row["precinct"] == "tambora"
    assert row["version"] == 1
    assert row["updated_at"].endswith("+07:00")


def test_the_fast_row_has_exactly_the_fields_the_schema_declares(night, admin_user):
    row = client_for(admin_user).get(f"{URL}{night[0].pk}/").json()

    assert set(row) == set(api_serializers.ShiftSerializer().fields)
    assert set(row["assignments"][0]) == {"role", "officer"}
    assert set(row["assignments"][0]["officer"]) == set(
        api_serializers.AssignedOfficerSerializer().fields
    )


def test_a_duty_officer_sees_partner_shifts_without_their_officers(
    night, piket_tambora
):
    rows = {r["id"]: r for r in client_for(piket_tambora).get(URL).json()["results"]}

    own, partner = rows[night[0].pk], rows[night[1].pk]
    assert own["personnel_visible"]
    assert (
        own["assignments"][0]["officer"]["nrp"]
        == night[0].assignments.get().officer.nrp
    )
    assert not partner["personnel_visible"]
    assert partner["assignments"] == [{"role": "member", "officer": None}]
    assert partner["officer_count"] == 1


def test_a_read_key_sees_shifts_but_no_personnel(night, read_key):
    rows = client_for(secret=read_key[1]).get(URL).json()["results"]

    assert len(rows) == 5
    assert all(r["assignments"][0]["officer"] is None for r in rows)


def test_a_personnel_key_restricted_to_a_precinct_sees_only_its_officers(
    night, tambora
):
    _key, secret = make_key("read+personnel", precinct=tambora)
    rows = client_for(secret=secret).get(URL).json()["results"]

    visible = {r["precinct"] for r in rows if r["personnel_visible"]}
    assert visible == {"tambora"}
    assert len(rows) == 5


def test_a_precinct_outside_the_plan_sees_no_shift_and_gets_404_on_detail(night, db):
    outsider = factories.make_staff(
        "piket.menteng", "duty_officer", precinct=factories.PrecinctFactory()
    )
    client = client_for(outsider)

    assert ids(client.get(URL)) == []
    response = client.get(f"{URL}{night[0].pk}/")
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"


def test_an_officer_sees_only_the_shifts_they_are_on(night, officer_tambora):
    factories.AssignmentFactory(shift=night[3], officer=officer_tambora.officer)

    assert ids(client_for(officer_tambora).get(URL)) == [night[3].pk]
    assert client_for(officer_tambora).get(f"{URL}{night[0].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("precinct=tambora", [0, 3]),
        ("night=2024-01-22", [0, 1, 2, 3, 4]),
        ("night=2024-01-23", []),
        ("night_after=2024-01-23", []),
        ("night_before=2024-01-22", [0, 1, 2, 3, 4]),
        ("start_after=2024-01-23T03:00:00%2B07:00", [3, 4]),
        ("start_before=2024-01-23T01:00:00%2B07:00", [0]),
        ("zone=bkb-kalianyar&plan=bkb-malam&status=scheduled", [0, 1, 2, 3, 4]),
        ("status=cancelled", []),
    ],
)
def test_filters(noon, night, admin_user, query, expected):
    response = client_for(admin_user).get(f"{URL}?{query}")

    assert response.status_code == 200
    assert sorted(ids(response)) == sorted(night[i].pk for i in expected)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("night=2024-02-31", "night"),
        ("start_after=yesterday", "start_after"),
        ("updated_since=12", "updated_since"),
        ("precinct=nowhere", "precinct"),
        ("zone=nowhere", "zone"),
        ("plan=nowhere", "plan"),
        ("zone=%00", "zone"),
        # The API's dates are ISO 8601 in every language, not the locale's forms.
        ("night=22-01-2024", "night"),
        ("night_after=01/22/2024", "night_after"),
        ("status=maybe", "status"),
    ],
)
def test_bad_filter_values_are_400_with_the_field_named(
    night, admin_user, query, field
):
    response = client_for(admin_user).get(f"{URL}?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert field in body["errors"]


def test_a_partners_unseen_precinct_code_is_refused_like_an_unknown_one(
    night, piket_tambora
):
    factories.PrecinctFactory(code="menteng")

    response = client_for(piket_tambora).get(f"{URL}?precinct=menteng")

    assert response.status_code == 400


def test_a_known_code_with_no_shifts_is_an_empty_page_not_an_error(night, admin_user):
    factories.ZoneFactory(code="empty-zone")
    factories.PrecinctFactory(code="quiet")

    response = client_for(admin_user).get(f"{URL}?zone=empty-zone&precinct=quiet")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_hidden_zone_or_plan_code_is_refused_like_an_unknown_one(
    night, piket_tambora, admin_user
):
    other = factories.RotationPlanFactory(code="elsewhere")
    factories.ShiftFactory(plan=other)

    client = client_for(piket_tambora)
    for query in (f"zone={other.zone.code}", "plan=elsewhere"):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 400, query
        assert query.split("=")[0] in response.json()["errors"]
    # The same code is fine for a client that sees it.
    assert ids(client_for(admin_user).get(f"{URL}?plan=elsewhere"))


def test_a_detail_asked_with_a_bad_code_is_400_and_with_a_good_one_200(
    night, admin_user
):
    client = client_for(admin_user)

    assert client.get(f"{URL}{night[0].pk}/?zone=nowhere").status_code == 400
    assert client.get(f"{URL}{night[0].pk}/?zone=bkb-kalianyar").status_code == 200
    assert client.get(f"{URL}{night[0].pk}/?plan=bkb-malam").status_code == 200
    # A good code that does not match the shift: not found, as before.
    factories.ZoneFactory(code="other-zone")
    assert client.get(f"{URL}{night[0].pk}/?zone=other-zone").status_code == 404


def test_huge_page_sizes_are_refused_not_capped(night, admin_user):
    """A client that asked for more than a page holds would think it had them all."""
    response = client_for(admin_user).get(f"{URL}?page_size=100000000000")

    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]


def test_a_garbled_cursor_is_a_400_naming_it(night, admin_user):
    response = client_for(admin_user).get(f"{URL}?cursor=garbage")

    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_pages_follow_the_cursor_in_update_order(night, admin_user):
    client = client_for(admin_user)
    seen, url = [], f"{URL}?page_size=2"
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]

    assert sorted(seen) == sorted(s.pk for s in night)
    assert len(seen) == len(set(seen)) == 5


def test_updated_since_returns_changes_and_cancellations(noon, night, admin_user):
    client = client_for(admin_user)
    with time_machine.travel(dt.datetime(2024, 1, 22, 6, 0, tzinfo=dt.UTC), tick=False):
        for shift in night:
            shift.save()
    rows = client.get(URL).json()["results"]
    mark = max(r["updated_at"] for r in rows)

    with time_machine.travel(dt.datetime(2024, 1, 22, 7, 0, tzinfo=dt.UTC), tick=False):
        changed = Shift.objects.get(pk=night[1].pk)
        changed.reason_note = "ditukar"
        changed.save()
        gone = Shift.objects.get(pk=night[2].pk)
        gone.status = ShiftStatus.CANCELLED
        gone.save()

    response = client.get(URL, {"updated_since": mark})
    rows = {r["id"]: r for r in response.json()["results"]}

    # The boundary row (>=) comes again; the two changes come with their new state.
    assert set(rows) >= {night[1].pk, night[2].pk}
    assert rows[night[2].pk]["status"] == "cancelled"
    assert rows[night[1].pk]["reason_note"] == "ditukar"
    assert night[0].pk not in rows or rows[night[0].pk]["updated_at"] == mark


def test_an_unchanged_list_answers_304_to_its_etag(night, admin_user):
    client = client_for(admin_user)
    first = client.get(URL)
    etag = first["ETag"]

    again = client.get(URL, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_change_gives_a_new_etag(night, admin_user):
    client = client_for(admin_user)
    etag = client.get(f"{URL}{night[0].pk}/")["ETag"]
    assert (
        client.get(f"{URL}{night[0].pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    )
    Shift.objects.filter(pk=night[0].pk).update(version=2)

    response = client.get(f"{URL}{night[0].pk}/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_two_clients_with_different_views_never_share_an_etag(
    night, admin_user, read_key
):
    mine = client_for(admin_user).get(f"{URL}{night[0].pk}/")
    theirs = client_for(secret=read_key[1]).get(f"{URL}{night[0].pk}/")

    assert mine["ETag"] != theirs["ETag"]
    assert "Authorization" in mine["Vary"]


def month_of_shifts(plan, precincts, nights=30, officers=2):
    for n in range(nights):
        for slot in range(5):
            shift = factories.ShiftFactory(
                plan=plan,
                precinct=precincts[(n + slot) % len(precincts)],
                night=NIGHT + dt.timedelta(days=n),
                slot=slot,
            )
            factories.AssignmentFactory.create_batch(officers, shift=shift)


@pytest.mark.parametrize("nights", [1, 30])
def test_the_list_takes_the_same_few_queries_for_a_night_or_a_month(
    plan,
    tambora,
    tanjungduren,
    gambir,
    piket_tambora,
    nights,
    django_assert_num_queries,
):
    month_of_shifts(plan, [tambora, tanjungduren, gambir], nights=nights)
    client = client_for(piket_tambora)

    # session, user, profile, personnel precincts, the ids of the plans the
    # piket sees, the shifts (the zone code matched inside that query, not looked
    # up first), assignments with officers.
    with django_assert_num_queries(6):
        response = client.get(URL, {"page_size": 500, "zone": "bkb-kalianyar"})

    assert len(response.json()["results"]) == 5 * nights


@pytest.mark.parametrize("nights", [1, 30])
def test_a_key_lists_a_month_in_the_same_few_queries(
    plan,
    tambora,
    tanjungduren,
    gambir,
    personnel_key,
    nights,
    django_assert_num_queries,
):
    month_of_shifts(plan, [tambora, tanjungduren, gambir], nights=nights)
    client = client_for(secret=personnel_key[1])

    # the key, its last use, the shifts with their codes, their assignments.
    with django_assert_num_queries(4):
        response = client.get(URL, {"page_size": 500})

    assert len(response.json()["results"]) == 5 * nights


def test_pages_neither_skip_nor_repeat_when_many_shifts_share_a_timestamp(
    plan, tambora, admin_user
):
    """Generation writes many rows with one updated_at; the cursor must cope."""
    for n in range(4):
        for slot in range(5):
            factories.ShiftFactory(
                plan=plan,
                precinct=tambora,
                night=NIGHT + dt.timedelta(days=n),
                slot=slot,
            )
    same = dt.datetime(2024, 1, 20, tzinfo=dt.UTC)
    Shift.objects.update(updated_at=same)
    client = client_for(admin_user)
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]

    assert len(seen) == 20
    assert len(set(seen)) == 20


@pytest.mark.parametrize(
    "value", ["2024-02-13T10:48:36+17:05", "2024-01-23T00:00:00-23:59"]
)
def test_an_offset_postgresql_cannot_store_is_still_a_valid_instant(
    noon, night, admin_user, value
):
    response = client_for(admin_user).get(URL, {"start_after": value})

    assert response.status_code == 200
