"""The schema is a product: a standard OpenAPI validator finds no error in it, and a
client generated from it by openapi-python-client mirrors the schedule."""

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator.validation.validators import OpenAPIV30SpecValidator

from api.models import Scope
from schedules.models import Shift
from schedules.services import generation
from tests.api.conftest import NIGHT, make_key
from tests.api.test_sync import settle

BIN = Path(sys.executable).parent


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_has_no_error_for_openapi_spec_validator(db):
    errors = list(OpenAPIV30SpecValidator(_schema()).iter_errors())
    assert [error.message for error in errors] == []


@pytest.fixture
def generated_client(tmp_path, db):
    """A client package generated from the schema, importable for this test."""
    import json

    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(_schema(), default=str))
    out = tmp_path / "giliran_generated"
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("giliran_generated")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("giliran_generated")]:
            del sys.modules[name]
        shutil.rmtree(out, ignore_errors=True)


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_mirrors_the_schedule(generated_client, live_server, plan):
    from giliran_generated.api.v1 import v1_shifts_list, v1_shifts_retrieve

    generation.generate_shifts(plan=plan, start=NIGHT, nights=6)
    settle()  # the generation's commit below the safe position (schedules.positions)
    _, secret = make_key(Scope.READ_PERSONNEL)
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=secret, raise_on_unexpected_status=True
    )

    mirror, cursor, watermark = {}, None, None
    while True:
        kwargs = {"page_size": 7, **({"cursor": cursor} if cursor else {})}
        page = v1_shifts_list.sync(client=client, **kwargs)
        mirror.update({row.id: row.version for row in page.results})
        watermark = page.watermark
        if not page.next_:
            break
        cursor = page.next_.split("cursor=")[1].split("&")[0]

    assert mirror == dict(Shift.objects.values_list("pk", "version"))
    again = v1_shifts_list.sync(client=client, since=watermark)
    assert again.results == []
    # A conditional read: 304 is in the schema, so the client takes it.
    first = next(iter(mirror))
    detail = v1_shifts_retrieve.sync_detailed(client=client, id=first)
    etag = detail.headers["etag"]
    assert etag == f'"{mirror[first]}"'
    unchanged = v1_shifts_retrieve.sync_detailed(
        client=client, id=first, if_none_match=etag
    )
    assert unchanged.status_code == 304
