"""docker-compose.yml, the Dockerfile and .env.example stay in step with the app.

There is no Docker engine here, so the compose file is parsed and checked against
the settings module, the Celery app and the README."""

import contextlib
import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (ROOT / "config" / "settings.py").read_text()
# Every variable the settings read: env.str("X"), env.bool("X"), env.db_url("X") ...
SETTINGS_VARS = set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z_]+)\"", SETTINGS))


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def env_file_vars(path):
    names = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    return names


def test_the_settings_read_the_variables_the_stack_relies_on():
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= (
        SETTINGS_VARS
    )


def test_compose_runs_the_five_services_each_with_a_health_check(compose):
    services = compose["services"]
    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    for name, service in services.items():
        if name == "migrate":  # a one-off step, not a service to watch
            assert service["restart"] == "no"
            continue
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_compose_pins_the_database_and_keeps_its_data(compose):
    db = compose["services"]["db"]
    assert db["image"] == "postgres:15"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "pgdata" in compose["volumes"]


def test_compose_app_services_share_one_env_file_and_point_at_db_and_redis(compose):
    """The app's services connect as the app role, after the migrations; only the
    one-off migrate step knows the database superuser's password."""
    db_env = compose["services"]["db"]["environment"]
    superuser = (
        f"postgres://{db_env['POSTGRES_USER']}:{db_env['POSTGRES_PASSWORD']}"
        f"@db:5432/{db_env['POSTGRES_DB']}"
    )
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        env = service["environment"]
        assert set(env) <= SETTINGS_VARS, name
        assert env["DATABASE_URL"].startswith("postgres://giliran_app:"), name
        assert env["DATABASE_URL"].endswith(f"@db:5432/{db_env['POSTGRES_DB']}")
        assert superuser not in str(service)
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert service["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }
    migrate = compose["services"]["migrate"]
    assert migrate["environment"]["DATABASE_URL"] == superuser
    assert "--app giliran_app" in migrate["command"]


def test_compose_commands_name_modules_that_exist(compose):
    migrate = compose["services"]["migrate"]["command"]
    assert migrate.index("manage.py migrate") < migrate.index("set_up_database_roles")
    web = compose["services"]["web"]["command"]
    assert web[:2] == ["gunicorn", "config.wsgi:application"]
    import config.wsgi  # noqa: F401  (the module gunicorn loads)

    for name, verb in (("worker", "worker"), ("beat", "beat")):
        command = compose["services"][name]["command"]
        assert command[:3] == ["celery", "-A", "config"]
        assert verb in command
    from config import celery

    assert celery.app.main == "giliran"


def test_compose_health_checks_use_the_apps_health_endpoint(compose):
    from django.urls import resolve

    test = " ".join(compose["services"]["web"]["healthcheck"]["test"])
    path = re.search(r"http://127\.0\.0\.1:8000(/\S*?)'", test).group(1)
    assert resolve(path).url_name == "healthz"


# Read by compose (and set_up_database_roles), not by the settings.
COMPOSE_VARS = {"DATABASE_APP_PASSWORD", "REPLICATION_PASSWORD"}


def test_the_env_example_lists_only_variables_the_settings_read():
    names = env_file_vars(ROOT / ".env.example")
    assert names <= SETTINGS_VARS | COMPOSE_VARS, names - SETTINGS_VARS
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= names


def test_the_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text()
    missing = sorted(v for v in SETTINGS_VARS if f"`{v}`" not in readme)
    assert not missing, f"README.md does not document: {missing}"


def test_the_dockerfile_installs_the_project_and_serves_the_wsgi_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, re.M)
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile
    assert "config.wsgi:application" in dockerfile
    assert re.search(r"^USER ", dockerfile, re.M), "the app must not run as root"


@pytest.fixture
def production_server(tmp_path):
    """gunicorn with DEBUG off and nothing else set but the key, the host name and
    a database (secure defaults: HTTPS redirect, Secure cookies, HSTS)."""
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "SECRET_KEY", "SECURE_", "REDIS"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="giliran.example.go.id",
        DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}",
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            time.sleep(0.2)
        yield port, env
    finally:
        server.terminate()
        server.wait(timeout=20)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_compose_health_check_passes_over_plain_http_with_secure_defaults(
    compose, production_server
):
    port, env = production_server
    command = compose["services"]["web"]["healthcheck"]["test"]
    assert command[:3] == ["CMD", "python", "-c"]
    code = command[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    # Compose gives the app a start period: the first request loads it.
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    warm.request("GET", "/healthz", headers={"Host": "giliran.example.go.id"})
    warm.getresponse().read()

    check = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, timeout=60
    )
    page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    page.request("GET", "/login/", headers={"Host": "giliran.example.go.id"})
    redirected = page.getresponse()

    assert check.returncode == 0, check.stderr
    assert redirected.status == 301
    assert redirected.getheader("Location") == "https://giliran.example.go.id/login/"
