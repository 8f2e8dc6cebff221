"""api.shift_list: shifts/ on compiled statements answers exactly what the ORM
path answers, for every filter, combination, cursor and page size."""

import datetime as dt
from unittest import mock
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import shift_list
from api.filters import ShiftFilter
from api.models import Scope
from schedules.models import Shift, ShiftStatus
from schedules.services import generation
from tests import factories
from tests.api.conftest import NIGHT, client_for, make_key

NIGHTS = 4


@pytest.fixture
def city(plan, tambora, gambir, noon):
    """Two plans in two zones over four nights, some shifts cancelled or crewed,
    and updated_at values shared by several shifts; every change position is
    the test's one transaction, so the pages rest on the ids alone."""
    other = factories.RotationPlanFactory(
        code="gambir-tambora", members=[gambir, tambora]
    )
    for each in (plan, other):
        generation.generate_shifts(plan=each, start=NIGHT, nights=NIGHTS)
    shifts = list(Shift.objects.order_by("pk"))
    base = dt.datetime(2024, 1, 20, 1, 0, tzinfo=dt.UTC)
    for n, shift in enumerate(shifts):
        Shift.objects.filter(pk=shift.pk).update(
            updated_at=base + dt.timedelta(minutes=n // 3),
            status=ShiftStatus.CANCELLED if n % 4 == 2 else ShiftStatus.SCHEDULED,
        )
        if n % 3 == 0:
            factories.AssignmentFactory(shift=shift)
    return shifts


def _both(client, url: str):
    """(compiled answer, ORM answer) of one URL."""
    compiled = client.get(url)
    with mock.patch.object(shift_list, "page_for", return_value=None):
        orm = client.get(url)
    return compiled, orm


def _same(client, url: str) -> dict:
    compiled, orm = _both(client, url)
    assert (compiled.status_code, compiled.content) == (orm.status_code, orm.content)
    assert compiled.get("ETag") == orm.get("ETag")
    return compiled.json()


def _path(url: str | None) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


DAYS = [(NIGHT + dt.timedelta(days=d)).isoformat() for d in range(-1, NIGHTS + 1)]
# Values the form fields read in more than one way, and some they refuse.
DAYS += ["2024-1-23", " 2024-01-24 ", "2024-01-32", "22/01/2024"]
INSTANTS = [
    "2024-01-22 17:00:00",
    "2024-01-22T17:00Z",
    "2024-01-22T25:00:00Z",
    "2024-01-20T01:02:00Z",
    "2024-01-20T08:04:00+07:00",
    "2024-01-22T17:00:00Z",
    "2024-01-23T01:30:00+23:30",
    "2024-01-24T00:00:00-03:00",
]
VALUES = {
    "night": st.sampled_from(DAYS),
    "night_after": st.sampled_from(DAYS),
    "night_before": st.sampled_from(DAYS),
    "start_after": st.sampled_from(INSTANTS),
    "start_before": st.sampled_from(INSTANTS),
    "updated_since": st.sampled_from(INSTANTS),
    "precinct": st.sampled_from(
        ["tambora", "gambir", "tanjung-duren", "nowhere", " gambir ", "GAMBIR"]
    ),
    "zone": st.sampled_from(["bkb-kalianyar", "nowhere"]),
    "plan": st.sampled_from(["bkb-malam", "gambir-tambora", "nowhere"]),
    "status": st.sampled_from([*(s.value for s in ShiftStatus), "lost", " scheduled"]),
}


def test_every_filter_of_shifts_is_covered_here():
    # A filter added to ShiftFilter must be added to the generated queries too.
    assert set(ShiftFilter.base_filters) == set(VALUES)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    filters=st.dictionaries(
        st.sampled_from(sorted(VALUES)), st.none(), max_size=4
    ).flatmap(
        lambda names: st.fixed_dictionaries({name: VALUES[name] for name in names})
    ),
    page_size=st.integers(1, 7),
)
def test_compiled_pages_are_the_orms_pages(city, admin_user, filters, page_size):
    client = client_for(admin_user)
    url = f"/api/v1/shifts/?{urlencode({**filters, 'page_size': page_size})}"
    seen = []
    for _ in range(12):  # forward through every page
        page = _same(client, url)
        if "results" not in page:  # a 400 (an unknown code), the same from both
            return
        seen += [row["id"] for row in page["results"]]
        if page["next"] is None:
            break
        url = _path(page["next"])
    assert len(seen) == len(set(seen))
    # Resumed from the last watermark, as a mirror does later: nothing new.
    since = {**filters, "page_size": page_size, "since": page["watermark"] or ""}
    if page["watermark"] and page["next"] is None:
        assert _same(client, f"/api/v1/shifts/?{urlencode(since)}")["results"] == []


@pytest.mark.django_db
def test_a_key_that_sees_everything_gets_the_compiled_page(city):
    _, secret = make_key(Scope.READ_PERSONNEL)
    client = client_for(secret=secret)
    url = "/api/v1/shifts/?zone=bkb-kalianyar&night_after=2024-01-23&page_size=3"

    with mock.patch.object(
        shift_list._LIST, "rows", wraps=shift_list._LIST.rows
    ) as run:
        page = _same(client, url)
    assert run.call_count == 1  # the ORM half of _same() did not use it
    assert len(page["results"]) == 3
    assert all(row["zone"] == "bkb-kalianyar" for row in page["results"])


@pytest.mark.django_db
def test_a_restricted_client_takes_the_orm_path(city, gambir):
    _, secret = make_key(Scope.READ, precinct=gambir)

    with mock.patch.object(shift_list._LIST, "rows") as run:
        answer = client_for(secret=secret).get("/api/v1/shifts/?night=2024-01-23")
    assert answer.status_code == 200
    run.assert_not_called()
    plans = {row["plan"] for row in answer.json()["results"]}
    assert plans == {"bkb-malam", "gambir-tambora"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "night=22-01-2024",
        "night=",
        "status=lost",
        "start_after=yesterday",
        "zone=nowhere",
        "page_size=0",
        "cursor=garbled",
        "since=p1.1",
        "since=p1.1.2&cursor=p1.1.2",
    ],
)
def test_bad_values_get_the_orm_paths_errors(city, admin_user, query):
    compiled, orm = _both(client_for(admin_user), f"/api/v1/shifts/?{query}")

    assert compiled.status_code in (400, 404)
    assert (compiled.status_code, compiled.content) == (orm.status_code, orm.content)


@pytest.mark.postgres
@pytest.mark.django_db
def test_one_compiled_statement_per_shape_whatever_the_values(city, admin_user):
    client = client_for(admin_user)
    shift_list._LIST._compiled.clear()
    for day in DAYS:
        client.get(f"/api/v1/shifts/?night={day}&zone=bkb-kalianyar")
    client.get("/api/v1/shifts/?night_after=2024-01-22")

    assert len(shift_list._LIST._compiled) == 2


@pytest.mark.django_db
def test_a_restricted_client_sees_its_plans_shifts_by_their_ids(
    city, gambir, piket_tambora
):
    from api.access import Client

    _, secret = make_key(Scope.READ, precinct=gambir)
    key = client_for(secret=secret).get("/api/v1/shifts/").wsgi_request
    for client in [
        Client(user=key.user, key=key.auth),
        Client(user=piket_tambora),
    ]:
        shifts = client.visible_shifts()
        expected = Shift.objects.filter(plan__in=client.visible_plans().values("pk"))

        assert set(shifts.values_list("pk", flat=True)) == set(
            expected.values_list("pk", flat=True)
        )
        # Not a subquery of plans, which PostgreSQL joined every shift for.
        assert "rotationplan" not in str(shifts.query).lower()
