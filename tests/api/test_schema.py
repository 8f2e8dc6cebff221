"""The OpenAPI schema: generated without warnings, valid, and true to the API.

schemathesis generates requests from the schema for every operation and checks,
authenticated as a read key and as a write key, that nothing answers 5xx and that
every status code, content type and body is one the schema declares.
"""

import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.api.conftest import client_for, make_key


def generate():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_is_served_and_valid(db):
    response = client_for().get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    validate_schema(generate())


def test_the_docs_page_loads_its_assets_from_this_site_and_no_inline_script(db):
    client = client_for()
    page = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    init = re.search(r'<script src="([^"]*script[^"]*)"', page).group(1)

    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn." not in page
    assert all("src=" in attributes for attributes in scripts)
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def test_every_operation_documents_its_errors_in_one_shape():
    for path, operations in generate()["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("401", "404", "429"):
                assert code in responses, (method, path, code)
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}


SCHEMA = schemathesis.openapi.from_dict(generate())
APP = get_wsgi_application()
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def _keep_connection():
    """Like Django's test client: the test's transaction must outlive each request
    (a raw WSGI call would close the connection when the request finishes)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(params=["read", "write"])
def bearer(request, night, _keep_connection):
    _key, secret = make_key(request.param, precinct=night[0].precinct)
    return {"Authorization": f"Bearer {secret}"}


@SCHEMA.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_as_its_schema_says(case, bearer):
    case.call_and_validate(app=APP, headers=bearer, checks=CHECKS)
