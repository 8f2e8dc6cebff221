"""Two-factor login in real Chromium: a commander sets up an authenticator from the
QR page's key, saves the recovery codes, then logs in again with a code."""

import base64

import pytest
from django_otp.oath import totp

from audit.models import Action, AuditEvent
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.security.browser.conftest import watch_policy

pytestmark = pytest.mark.browser


def _app_code(secret_text: str, *, steps: int = 0) -> str:
    """What an authenticator app shows for the key as the page printed it."""
    key = base64.b32decode(secret_text.replace(" ", ""))
    return f"{totp(key, step=30, t0=-30 * steps, digits=6):06d}"


def _password_step(page) -> None:
    page.goto("/login/")
    page.fill("#id_username", "kapolsek.tambora")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")


def test_a_commander_enrols_and_logs_in_with_a_code(
    new_page, tonight_shifts, kapolsek_tambora, mfa_required
):
    page = new_page()
    violations = watch_policy(page)
    _password_step(page)

    # Required and not set up: straight to the set-up page, and nowhere else.
    page.wait_for_url("**/account/two-factor/setup/**")
    assert page.locator(".qr svg").is_visible()
    # Nothing else to reach yet: no menu, no notifications.
    assert page.locator(".main-nav").count() == 0
    box = page.locator(".qr svg").bounding_box()
    assert box["width"] >= 150
    secret = page.inner_text("#mfa-secret")
    screenshot(page, "mfa-setup-390")
    page.goto("/tonight/")
    page.wait_for_url("**/account/two-factor/setup/**")

    page.fill("#id_code", _app_code(secret))
    page.click("button[type=submit].primary")
    codes = page.locator("#recovery-codes code")
    codes.first.wait_for()
    assert codes.count() == 10
    screenshot(page, "mfa-recovery-codes-390")
    page.click("a.button")
    page.wait_for_url("**/tonight/")

    # A new browser: password, then the code step, then the page asked for.
    again = new_page()
    violations += watch_policy(again)
    _password_step(again)
    again.wait_for_url("**/account/two-factor/code/**")
    near = {_app_code(secret, steps=s) for s in (-1, 0, 1, 2)}
    again.fill("#id_code", next(c for c in ("000000", "111111") if c not in near))
    again.click("button[type=submit].primary")
    again.wait_for_selector("[role=alert]")
    assert "/account/two-factor/code/" in again.url
    # The app's next code (the current one was spent on the set-up); past the
    # one-second wait a wrong code earns.
    again.wait_for_timeout(1100)
    again.fill("#id_code", _app_code(secret, steps=1))
    again.click("button[type=submit].primary")
    again.wait_for_url("**/tonight/")
    assert again.locator(".site-header .account").is_visible()

    assert violations == []
    assert AuditEvent.objects.filter(action=Action.MFA_ENROLLED).count() == 1
    assert AuditEvent.objects.filter(action=Action.MFA_VERIFIED).count() == 1
