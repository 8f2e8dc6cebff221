"""One version for caching and concurrency: a shift's ETag is its version, which
If-Match takes back (or `*`); 304, 412, 428 and 429 are in the schema with their
headers, so a generated client knows every answer."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests import factories
from tests.api.conftest import client_for

DETAIL = "/api/v1/shifts/{}/"


@pytest.fixture
def recruit(tambora):
    return factories.OfficerFactory(precinct=tambora, name="Budi Santoso")


def test_a_shifts_etag_is_its_version_and_works_as_if_match(
    night, noon, piket_tambora, recruit
):
    """A generic client reads, then writes with the ETag it read: before, the
    ETag was a hash of the body and every such write was a 412."""
    client = client_for(piket_tambora)
    read = client.get(DETAIL.format(night[0].pk))
    assert read["ETag"] == f'"{read.json()["version"]}"'

    write = client.post(
        f"{DETAIL.format(night[0].pk)}assignments/",
        {"officer": recruit.nrp},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )

    assert write.status_code == 201
    again = client.get(DETAIL.format(night[0].pk), HTTP_IF_NONE_MATCH=read["ETag"])
    assert again.status_code == 200
    assert again["ETag"] == write["ETag"] == '"2"'
    assert (
        client.get(
            DETAIL.format(night[0].pk), HTTP_IF_NONE_MATCH=write["ETag"]
        ).status_code
        == 304
    )


def test_if_match_star_takes_any_version(night, noon, piket_tambora, recruit):
    response = client_for(piket_tambora).post(
        f"{DETAIL.format(night[0].pk)}assignments/",
        {"officer": recruit.nrp},
        format="json",
        HTTP_IF_MATCH="*",
    )
    assert response.status_code == 201


def test_a_412_names_the_current_version_in_its_etag(
    night, noon, piket_tambora, recruit
):
    client = client_for(piket_tambora)
    client.post(
        f"{DETAIL.format(night[0].pk)}assignments/",
        {"officer": recruit.nrp},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    stale = client.delete(
        f"{DETAIL.format(night[0].pk)}assignments/{recruit.nrp}/", HTTP_IF_MATCH='"1"'
    )
    assert stale.status_code == 412
    assert stale["ETag"] == '"2"'
    assert "version 2" in stale.json()["detail"]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_has_304_and_etag_on_conditional_reads(schema):
    get = schema["paths"]["/api/v1/shifts/{id}/"]["get"]
    assert "ETag" in get["responses"]["200"]["headers"]
    assert "ETag" in get["responses"]["304"]["headers"]
    assert "If-None-Match" in [p["name"] for p in get["parameters"]]


def test_the_schema_has_412_428_and_429_with_their_headers(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "Retry-After" in responses["429"]["headers"], (path, method)
    post = schema["paths"]["/api/v1/shifts/{id}/assignments/"]["post"]
    for code in ("412", "428", "201"):
        assert "ETag" in post["responses"][code]["headers"]
