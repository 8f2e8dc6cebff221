# Real Chromium against the live server, as the pages' browser tests use it.
from tests.browser.conftest import (  # noqa: F401
    _frozen_evening,
    new_page,
    tambora_team,
    tonight_shifts,
)


def watch_policy(page) -> list[str]:
    """The Content Security Policy violations the page reports, as they come."""
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    return violations
