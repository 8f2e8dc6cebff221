import pytest
from django.db import OperationalError, connections
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from api.models import ApiKey, Scope


def _boom(request):
    raise ValueError("a bug, not an outage")


def _fine(request):
    return HttpResponse("fine")


urlpatterns = [path("boom/", _boom), path("fine/", _fine)]


class Outage:
    """Every new cursor fails the way psycopg fails when PostgreSQL is stopped."""

    def __init__(self):
        self.wrapper = connections["default"]
        self.wrapper.cursor = self.refused

    @staticmethod
    def refused(*args, **kwargs):
        raise OperationalError("connection failed: Connection refused")

    def end(self):
        self.wrapper.__dict__.pop("cursor", None)


@pytest.fixture
def database_down(db):
    # Its own undo (not monkeypatch's), so it ends before the test database's teardown.
    outage = Outage()
    yield outage
    outage.end()


@pytest.fixture
def client_500():
    return Client(raise_request_exception=False)


@pytest.fixture
def read_key(db):
    key = ApiKey(name="reader", scope=Scope.READ)
    secret = key.set_new_secret()
    key.save()
    return secret


def test_a_page_answers_a_plain_503_when_the_database_is_unreachable(
    client_500, piket_tambora, request
):
    client_500.force_login(piket_tambora)
    request.getfixturevalue("database_down")

    response = client_500.get("/tonight/")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    assert b"<h1>" in response.content
    assert b"Traceback" not in response.content


def test_the_api_answers_a_503_in_its_error_shape_when_the_database_is_unreachable(
    client_500, read_key, request
):
    request.getfixturevalue("database_down")

    response = client_500.get(
        "/api/v1/shifts/", HTTP_AUTHORIZATION=f"Bearer {read_key}"
    )

    assert response.status_code == 503
    assert response.json()["type"] == "service_unavailable"
    assert response.json()["status"] == 503


def test_pages_answer_again_as_soon_as_the_database_does(
    client_500, piket_tambora, request
):
    client_500.force_login(piket_tambora)
    outage = request.getfixturevalue("database_down")
    assert client_500.get("/tonight/").status_code == 503

    outage.end()

    assert client_500.get("/tonight/").status_code == 200


def test_a_bug_with_the_database_up_is_still_a_500(client_500, settings, db):
    settings.ROOT_URLCONF = __name__

    assert client_500.get("/boom/").status_code == 500
    assert client_500.get("/fine/").status_code == 200
