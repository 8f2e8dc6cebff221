"""docker-compose.yml, the Dockerfile and .env.example stay in step with the app.

There is no Docker engine here, so the compose file is parsed and checked against
the settings module, the Celery app and the README."""

import re
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
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_compose_pins_the_database_and_keeps_its_data(compose):
    db = compose["services"]["db"]
    assert db["image"] == "postgres:15"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert "pgdata" in compose["volumes"]


def test_compose_app_services_share_one_env_file_and_point_at_db_and_redis(compose):
    db_env = compose["services"]["db"]["environment"]
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert service["env_file"] == ".env"
        env = service["environment"]
        assert set(env) <= SETTINGS_VARS, name
        assert env["DATABASE_URL"] == (
            f"postgres://{db_env['POSTGRES_USER']}:{db_env['POSTGRES_PASSWORD']}"
            f"@db:5432/{db_env['POSTGRES_DB']}"
        )
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        assert set(service["depends_on"]) == {"db", "redis"}
        assert all(
            dep["condition"] == "service_healthy"
            for dep in service["depends_on"].values()
        )


def test_compose_commands_name_modules_that_exist(compose):
    web = compose["services"]["web"]["command"]
    assert "manage.py migrate" in web
    assert web.index("migrate") < web.index("gunicorn")
    assert "config.wsgi:application" in web
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


def test_the_env_example_lists_only_variables_the_settings_read():
    names = env_file_vars(ROOT / ".env.example")
    assert names <= SETTINGS_VARS, names - SETTINGS_VARS
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
