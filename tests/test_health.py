import pytest
from django.core.cache import caches
from django.test import override_settings

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_health_is_ok_when_everything_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_needs_no_login(client, db):
    assert client.get("/healthz").status_code == 200


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
        }
    }
)
def test_health_names_an_unreachable_cache_with_503(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["checks"]["database"] == "ok"
    assert "error" in body["checks"]["cache"]
    caches["default"].close()


@pytest.fixture
def unreachable_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = UNREACHABLE_REDIS


def test_health_names_an_unreachable_broker_with_503(client, db, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_health_names_a_broken_database_with_503(client, db, settings, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise connection.Database.OperationalError("connection refused")

    # The network edge: the driver's cursor, as when the server has gone away.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]


def test_health_refuses_other_methods(client, db):
    assert client.post("/healthz").status_code == 405


def test_health_names_only_the_kind_of_error_and_logs_its_text(
    client, db, unreachable_broker, caplog
):
    """The address of a failing service (host, port, user) is for the log, not for
    whoever asks /healthz without a login."""
    with caplog.at_level("WARNING", logger="common.health"):
        response = client.get("/healthz")
    shown = response.json()["checks"]["broker"]
    assert shown.startswith("error: ")
    assert ":" not in shown.removeprefix("error: ")
    assert "refused" not in response.content.decode().lower()
    assert any("broker" in record.getMessage() for record in caplog.records)
    assert any(record.exc_info for record in caplog.records)
