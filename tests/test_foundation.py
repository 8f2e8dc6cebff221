"""Settings guard, Celery wiring, login and the home page."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from config.celery import app as celery_app
from config.celery import ping
from precincts import checks


@override_settings(
    DEBUG=False, SECRET_KEY="django-insecure-giliran-development-key-do-not-deploy"
)
def test_the_app_refuses_to_start_in_production_with_the_development_key():
    errors = checks.check_secret_key(None)
    assert [e.id for e in errors] == ["giliran.E001"]
    with pytest.raises(SystemCheckError, match=r"giliran\.E001"):
        call_command("check")


@override_settings(
    DEBUG=True, SECRET_KEY="django-insecure-giliran-development-key-do-not-deploy"
)
def test_the_development_key_is_fine_with_debug_on():
    assert checks.check_secret_key(None) == []


@override_settings(DEBUG=False, SECRET_KEY="a-real-long-random-production-secret-value")
def test_a_real_key_passes_with_debug_off():
    assert checks.check_secret_key(None) == []


def test_celery_speaks_json_with_late_acks_and_time_limits():
    conf = celery_app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_time_limit > conf.task_soft_time_limit > 0


def test_tasks_run_in_process_exactly_when_there_is_no_redis(settings):
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
    assert (settings.REDIS_URL or "memory://") == settings.CELERY_BROKER_URL
    # Tests run tasks in-process unless they ask for the real worker.
    assert ping.delay().get(timeout=1) == "pong"


@pytest.mark.worker
def test_a_real_worker_takes_the_smoke_task_from_redis(celery_worker):
    result = ping.apply_async()
    assert result.get(timeout=30) == "pong"
    assert result.successful()


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_login_page_answers_in_indonesian_by_default(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert 'lang="id"' in response.content.decode()


def test_login_page_follows_the_browser_language(client, db):
    response = client.get("/login/", headers={"accept-language": "en"})
    assert 'lang="en"' in response.content.decode()


def test_a_bad_password_is_refused_with_a_message(client, piket_tambora):
    response = client.post(
        "/login/", {"username": "piket.tambora", "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_logging_in_and_out(client, piket_tambora):
    from tests.factories import PASSWORD

    response = client.post(
        "/login/", {"username": "piket.tambora", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(piket_tambora.pk)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
