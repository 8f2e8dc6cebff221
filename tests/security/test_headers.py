"""Security headers, no-store on dynamic responses, the request id, and the
production settings passing Django's deployment checks."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "SECRET_KEY", "SECURE_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        SECURE_COOKIES="true",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env | extra


CHECK_DEPLOY = [sys.executable, "manage.py", "check", "--deploy"]


def _check_deploy(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CHECK_DEPLOY, "--fail-level", "WARNING", *args],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_production_settings_pass_the_deployment_checks():
    result = _check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_pass_the_security_checks_alone():
    """The security-tagged subset, so a failure here is ours, not the schema's."""
    result = _check_deploy("--tag", "security")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_with_debug_off_and_nothing_else_set_the_deployment_checks_pass():
    """Secure by default: no HTTPS variable set at all, and still no warning
    (the HTTPS redirect, Secure cookies and HSTS are the defaults)."""
    env = _production_env()
    del env["SECURE_COOKIES"]
    env.pop("MFA_REQUIRED", None)
    result = subprocess.run(
        [*CHECK_DEPLOY, "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_plain_http_is_a_choice_that_turns_the_redirect_off():
    env = _production_env(SECURE_COOKIES="false")
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; import django; "
         "django.setup(); print(settings.SECURE_SSL_REDIRECT, "
         "settings.SESSION_COOKIE_SECURE)"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_a_production_server_without_https_settings_fails_the_checks():
    """The check above is not vacuous: switch HTTPS off and it complains."""
    result = subprocess.run(
        [*CHECK_DEPLOY, "--tag", "security", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0"),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode != 0
    for check_id in ("security.W004", "security.W008", "security.W012"):
        assert check_id in result.stderr


def test_pages_over_https_carry_hsts_for_a_year(client, db):
    response = client.get("/login/", secure=True)
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_pages_refuse_sniffing_framing_and_foreign_referrers(client, db):
    response = client.get("/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part)
    }


def test_the_content_security_policy_allows_no_inline_script(client, db):
    csp = _directives(client.get("/login/"))
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"] + csp["default-src"]


def test_the_api_answers_with_the_same_policy(client, piket_tambora):
    client.force_login(piket_tambora)
    response = client.get("/api/v1/shifts/")
    assert response.status_code == 200
    assert _directives(response)["script-src"] == ["'self'"]


TEMPLATES = ROOT / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    "template",
    sorted(TEMPLATES.rglob("*.html")),
    ids=lambda path: str(path.relative_to(TEMPLATES)),
)
def test_no_template_has_inline_script_that_the_policy_would_block(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.findall(text)
    assert not EVENT_HANDLER.findall(text)
    assert "javascript:" not in text.lower()


def test_a_signed_in_page_is_not_stored_by_browsers_or_proxies(client, piket_tambora):
    client.force_login(piket_tambora)
    response = client.get("/roster/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_api_answers_with_schedules_are_not_stored(client, piket_tambora):
    client.force_login(piket_tambora)
    response = client.get("/api/v1/officers/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_static_files_keep_their_cache_headers(client, db):
    response = client.get("/static/css/base.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_each_response_names_its_request_id(client, db):
    first = client.get("/login/")["X-Request-ID"]
    second = client.get("/login/")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_a_request_id_from_the_proxy_is_kept_and_a_malformed_one_replaced(client, db):
    kept = client.get("/login/", headers={"x-request-id": "edge-7f3a.91"})
    assert kept["X-Request-ID"] == "edge-7f3a.91"
    replaced = client.get("/login/", headers={"x-request-id": "<script>" * 3})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])
