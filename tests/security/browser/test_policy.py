"""The Content Security Policy in real Chromium: every page works with no
violation, and an inline script would be refused."""

import pytest

from tests.security.browser.conftest import watch_policy

pytestmark = pytest.mark.browser


def test_the_duty_officers_pages_run_without_a_policy_violation(
    new_page, tonight_shifts, tambora_team, piket_tambora
):
    page = new_page(piket_tambora)
    violations = watch_policy(page)
    shift = tonight_shifts[0]
    for path in [
        "/tonight/",
        "/roster/",
        f"/roster/{shift.pk}/",
        "/calendar/",
        "/requests/",
        f"/print/{shift.plan_id}/",
        "/account/password/",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert violations == []


def test_the_admin_runs_without_a_policy_violation(
    new_page, tonight_shifts, admin_user
):
    page = new_page()
    violations = watch_policy(page)
    page.goto("/admin/login/")
    page.fill("#id_username", "admin")
    from tests.factories import PASSWORD

    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    for path in [
        "/admin/",
        "/admin/schedules/shift/",
        f"/admin/schedules/shift/{tonight_shifts[0].pk}/change/",
        "/admin/audit/auditevent/",
    ]:
        assert page.goto(path).status == 200, path
    assert violations == []


def test_an_injected_inline_script_is_refused(new_page, piket_tambora):
    page = new_page(piket_tambora)
    violations = watch_policy(page)
    page.goto("/tonight/")
    # What an attacker's injected markup would do: add an inline script.
    ran = page.evaluate(
        """() => {
            window.injected = false;
            const script = document.createElement("script");
            script.textContent = "window.injected = true;";
            document.body.appendChild(script);
            return window.injected;
        }"""
    )
    assert ran is False
    assert any("script-src" in text for text in violations)
